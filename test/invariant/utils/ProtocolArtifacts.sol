// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BallastDollar} from "../../../contracts/token/BallastDollar.sol";
import {ReservePool} from "../../../contracts/core/ReservePool.sol";
import {OracleAdapter} from "../../../contracts/oracle/OracleAdapter.sol";
import {VaultManager} from "../../../contracts/core/VaultManager.sol";
import {LiquidationEngine} from "../../../contracts/core/LiquidationEngine.sol";
import {ReserveLens} from "../../../contracts/lens/ReserveLens.sol";

/// @title ProtocolArtifacts
/// @notice The creation code of the protocol's contracts, for `BallastFixture` to deploy them.
/// Nothing imports this file, on purpose: the fixture installs its runtime code with `vm.etch`.
/// @dev Hardhat compiles the contracts with viaIR, and some of them do not compile without it
/// ("stack too deep"), so foundry.toml compiles contracts/core, lens, oracle and token through a
/// via-IR compiler profile: the bytecode under test is then built like the deployed one. A file that
/// imports one of those contracts joins its compilation unit and goes through the (much slower, under
/// solcjs) IR pipeline too, so the fixture, handlers and tests use the protocol only through its
/// interfaces, and only this small file imports the contracts themselves. (forge writes no artifact
/// for the contracts themselves, which foundry.toml's `skip` covers, so `vm.deployCode` cannot find
/// them; this contract's artifact carries their creation code instead. Its runtime exceeds the
/// 24 KiB limit, hence `vm.etch` rather than a deployment.)
contract ProtocolArtifacts {
    enum Kind {
        BallastDollar,
        ReservePool,
        OracleAdapter,
        VaultManager,
        LiquidationEngine,
        ReserveLens
    }

    /// @notice The creation code of `kind`, to which the caller appends the constructor arguments.
    function creationCode(Kind kind) external pure returns (bytes memory) {
        if (kind == Kind.BallastDollar) return type(BallastDollar).creationCode;
        if (kind == Kind.ReservePool) return type(ReservePool).creationCode;
        if (kind == Kind.OracleAdapter) return type(OracleAdapter).creationCode;
        if (kind == Kind.VaultManager) return type(VaultManager).creationCode;
        if (kind == Kind.LiquidationEngine) return type(LiquidationEngine).creationCode;
        return type(ReserveLens).creationCode;
    }
}
