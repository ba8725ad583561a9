// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm} from "./Test.sol";

/// @title VaultStorage
/// @notice Reads a vault straight from VaultManager's storage. Invariant 2 is about normalized debt,
/// which `vaultInfo` does not return (only `debt = normalizedDebt × rate`, rounded up), so the suite
/// reads it with `vm.load`. `IVaultManager.vaults` returns the raw vault too, but a storage read is
/// much cheaper than an external call, and the VaultManager handler reads every vault after every
/// action.
/// @dev Layout (solc storageLayout of VaultManager): `_roles` 0, `reserve` 1 (with `maxPauseDuration`
/// packed after it), `vaultCount` 2,
/// `liquidationEngine` 3, `_configs` 4, `_collaterals` 5, `_vaults` 6, `_operators` 7, `_escrow` 8.
/// `IVaultManager.Vault` packs (collateral, normalizedDebt) in its first slot and (owner,
/// collateralAmount) in its second.
/// `VaultManagerInvariantTest.test_VaultStorageMatchesViews` checks this decoding against `vaultInfo`,
/// so a layout change fails loudly instead of silently reading zeros.
/// A collateral's `Collateral` struct (`_configs[collateral]`) packs in its slot 4 (totalCollateral
/// u128, liquidationPenalty u64, liquidationRatioSetAt u32, liquidationPenaltySetAt u32); the two
/// times are not returned by `collateralConfig`, so `loadStepTimes` reads them, and returns the
/// slot's first two fields too, which the VaultManager handler compares with `collateralConfig` at
/// every check (a layout change fails loudly there).
library VaultStorage {
    Vm private constant VM = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
    uint256 private constant CONFIGS_SLOT = 4;
    uint256 private constant CONFIG_STEP_TIMES_OFFSET = 4;
    uint256 private constant VAULTS_SLOT = 6;
    uint256 private constant ADDRESS_BITS = 160;

    struct StoredStepTimes {
        uint256 totalCollateral; // [token units]
        uint256 liquidationPenalty; // [wad]
        uint256 liquidationRatioSetAt; // [seconds] 0: never changed
        uint256 liquidationPenaltySetAt; // [seconds] 0: never changed
    }

    struct StoredVault {
        address collateral; // address(0) when the vault does not exist
        uint256 normalizedDebt; // [wad]
        address owner;
        uint256 collateralAmount; // [token units]
    }

    function load(address vaultManager, uint256 vaultId) internal view returns (StoredVault memory vault) {
        bytes32 base = keccak256(abi.encode(vaultId, VAULTS_SLOT));
        uint256 first = uint256(VM.load(vaultManager, base));
        uint256 second = uint256(VM.load(vaultManager, bytes32(uint256(base) + 1)));
        vault.collateral = address(uint160(first));
        vault.normalizedDebt = first >> ADDRESS_BITS;
        vault.owner = address(uint160(second));
        vault.collateralAmount = second >> ADDRESS_BITS;
    }

    function loadStepTimes(
        address vaultManager,
        address collateral
    ) internal view returns (StoredStepTimes memory stored) {
        bytes32 base = keccak256(abi.encode(collateral, CONFIGS_SLOT));
        uint256 word = uint256(VM.load(vaultManager, bytes32(uint256(base) + CONFIG_STEP_TIMES_OFFSET)));
        stored.totalCollateral = uint128(word);
        stored.liquidationPenalty = uint64(word >> 128);
        stored.liquidationRatioSetAt = uint32(word >> 192);
        stored.liquidationPenaltySetAt = uint32(word >> 224);
    }
}
