// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOracleAdapter} from "../interfaces/IOracleAdapter.sol";

/// @title GasProbe
/// @notice Measures the gas of a view call from inside the EVM, without the 21,000 intrinsic gas
/// and calldata cost of a transaction, for the benchmark.
contract GasProbe {
    function measureGetPrice(IOracleAdapter oracle, address asset) external view returns (uint256 gasUsed) {
        uint256 before = gasleft();
        oracle.getPrice(asset);
        gasUsed = before - gasleft();
    }
}
