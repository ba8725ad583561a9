// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RiskController} from "../../../../contracts/risk/RiskController.sol";

/// @title RiskControllerArtifact
/// @notice The risk controller's creation code, for RiskController.invariant.t.sol to deploy it, as
/// utils/ProtocolArtifacts.sol holds the other protocol contracts' (whose notes explain the scheme).
/// The file is named ProtocolArtifacts.sol so that forge writes the artifact to
/// out/ProtocolArtifacts.sol/RiskControllerArtifact.json, a path foundry.toml's fs_permissions already
/// let the test read (`vm.getDeployedCode` and the staleness check read the file).
/// @dev RiskController does not compile without viaIR ("stack too deep"); foundry.toml compiles
/// contracts/risk through the via-IR profile, so this file and the controller are built like Hardhat
/// builds them. Nothing imports this file; the test installs its runtime code with `vm.etch` and
/// refuses a stale build.
contract RiskControllerArtifact {
    /// @notice RiskController's creation code, to which the caller appends the constructor arguments.
    function creationCode() external pure returns (bytes memory) {
        return type(RiskController).creationCode;
    }
}
