// Hardhat tasks, one file per actor. Each file registers its tasks on import.
import "./vault";
import "./keeper";
import "./keeperBot";
import "./status";
import "./roles";
import "./governance";
import "./reserve";
import "./risk";
import "./psm";
import "./savings";
import "./market";
import "./dev";
import "./auction";
import "./export";
import "./sim";
