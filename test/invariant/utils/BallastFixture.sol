// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BallastDollar} from "../../../contracts/token/BallastDollar.sol";
import {ReservePool} from "../../../contracts/core/ReservePool.sol";
import {OracleAdapter} from "../../../contracts/oracle/OracleAdapter.sol";
import {VaultManager} from "../../../contracts/core/VaultManager.sol";
import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {MockAggregator} from "../../../contracts/test/MockAggregator.sol";
import {Test} from "./Test.sol";

/// @title BallastFixture
/// @notice Deploys the Ballast system in Solidity exactly as `deploy/00_mocks.ts` … `04_vault_manager.ts`
/// do on the local network, with the parameters of `config/networks.ts` (`local`). One deliberate
/// difference: the debt ceiling is 2,000,000 BDOL per collateral instead of 100,000,000, so that
/// random campaigns reach it and `DebtCeilingExceeded` is exercised in both directions.
abstract contract BallastFixture is Test {
    /// @notice Everything the deploy scripts create. `deployer` holds every admin role, as after
    /// the scripts (the hand-over to the timelock is a later deploy step).
    struct Ballast {
        address deployer;
        BallastDollar stablecoin;
        ReservePool reserve;
        OracleAdapter oracle;
        VaultManager vaultManager;
        MockERC20 weth;
        MockERC20 wbtc;
        MockERC20 usdc;
        MockAggregator ethUsdFeed;
        MockAggregator btcUsdFeed;
        MockAggregator usdcUsdFeed;
        MockAggregator bdolUsdFeed;
    }

    /// @dev A realistic start time, so that feed timestamps and heartbeats behave as on a chain.
    uint256 internal constant START_TIME = 1_750_000_000;

    // ------------------------------------------------------------------ config/networks.ts (local)
    uint8 internal constant FEED_DECIMALS = 8;
    int256 internal constant ETH_USD_ANSWER = 3_000e8;
    int256 internal constant BTC_USD_ANSWER = 60_000e8;
    int256 internal constant USD_ANSWER = 1e8;

    uint256 internal constant FLASH_FEE_RATE = 0.0005e18;
    uint256 internal constant FLASH_MINT_MAX = 10_000_000e18;

    uint32 internal constant CRYPTO_HEARTBEAT = 3900;
    uint128 internal constant ETH_MIN_PRICE = 10e18;
    uint128 internal constant ETH_MAX_PRICE = 1_000_000e18;
    uint128 internal constant BTC_MIN_PRICE = 100e18;
    uint128 internal constant BTC_MAX_PRICE = 10_000_000e18;
    uint64 internal constant CRYPTO_MAX_DEVIATION = 0.25e18;
    uint32 internal constant USD_HEARTBEAT = 90_000;
    uint128 internal constant USD_MIN_PRICE = 0.5e18;
    uint128 internal constant USD_MAX_PRICE = 2e18;
    uint64 internal constant USD_MAX_DEVIATION = 0.1e18;
    uint64 internal constant EWMA_LAMBDA = 0.94e18;

    uint96 internal constant DEBT_CEILING = 2_000_000e18;
    uint96 internal constant MIN_DEBT = 500e18;
    uint64 internal constant LIQUIDATION_RATIO = 1.5e18;
    uint64 internal constant BORROW_RATIO = 1.6e18;
    uint64 internal constant LIQUIDATION_PENALTY = 0.1e18;
    /// @dev `perSecondRate(wad("0.02"))` and `perSecondRate(wad("0.015"))` from config/units.ts.
    uint96 internal constant WETH_STABILITY_FEE = 1_000000000627937192491029810;
    uint96 internal constant WBTC_STABILITY_FEE = 1_000000000472114805215157978;

    function _deployBallast(address deployer) internal returns (Ballast memory b) {
        b.deployer = deployer;
        vm.startPrank(deployer);

        // 00_mocks
        b.weth = new MockERC20("Wrapped Ether (test)", "WETH", 18);
        b.wbtc = new MockERC20("Wrapped Bitcoin (test)", "WBTC", 8);
        b.usdc = new MockERC20("USD Coin (test)", "USDC", 6);
        b.ethUsdFeed = new MockAggregator(FEED_DECIMALS, "ETH / USD", ETH_USD_ANSWER);
        b.btcUsdFeed = new MockAggregator(FEED_DECIMALS, "BTC / USD", BTC_USD_ANSWER);
        b.usdcUsdFeed = new MockAggregator(FEED_DECIMALS, "USDC / USD", USD_ANSWER);
        b.bdolUsdFeed = new MockAggregator(FEED_DECIMALS, "BDOL / USD", USD_ANSWER);

        // 01_stablecoin
        b.stablecoin = new BallastDollar("Ballast Dollar", "BDOL", deployer);

        // 02_reserve
        b.reserve = new ReservePool(address(b.stablecoin), deployer);
        b.stablecoin.setFeeRecipient(address(b.reserve));
        b.stablecoin.setFlashFeeRate(FLASH_FEE_RATE);
        b.stablecoin.setFlashMintMax(FLASH_MINT_MAX);

        // 03_oracle: no sequencer feed on the local network, so a grace period of 0.
        b.oracle = new OracleAdapter(deployer, address(0), 0);
        _setCryptoFeed(b.oracle, address(b.weth), address(b.ethUsdFeed), ETH_MIN_PRICE, ETH_MAX_PRICE);
        _setCryptoFeed(b.oracle, address(b.wbtc), address(b.btcUsdFeed), BTC_MIN_PRICE, BTC_MAX_PRICE);
        _setUsdFeed(b.oracle, address(b.usdc), address(b.usdcUsdFeed));
        _setUsdFeed(b.oracle, address(b.stablecoin), address(b.bdolUsdFeed));
        b.oracle.recordPrice(address(b.weth));
        b.oracle.recordPrice(address(b.wbtc));
        b.oracle.recordPrice(address(b.usdc));
        b.oracle.recordPrice(address(b.stablecoin));

        // 04_vault_manager
        b.vaultManager = new VaultManager(address(b.stablecoin), address(b.oracle), address(b.reserve), deployer);
        b.vaultManager.addCollateral(address(b.weth), _collateralParams(address(b.weth), WETH_STABILITY_FEE));
        b.vaultManager.addCollateral(address(b.wbtc), _collateralParams(address(b.wbtc), WBTC_STABILITY_FEE));
        b.stablecoin.setModule(address(b.vaultManager), true);

        vm.stopPrank();
    }

    function _setCryptoFeed(
        OracleAdapter oracle,
        address asset,
        address feed,
        uint128 minPrice,
        uint128 maxPrice
    ) private {
        oracle.setFeed(
            asset,
            feed,
            address(0),
            CRYPTO_HEARTBEAT,
            minPrice,
            maxPrice,
            CRYPTO_MAX_DEVIATION,
            EWMA_LAMBDA
        );
    }

    function _setUsdFeed(OracleAdapter oracle, address asset, address feed) private {
        oracle.setFeed(
            asset,
            feed,
            address(0),
            USD_HEARTBEAT,
            USD_MIN_PRICE,
            USD_MAX_PRICE,
            USD_MAX_DEVIATION,
            EWMA_LAMBDA
        );
    }

    function _collateralParams(
        address token,
        uint96 stabilityFee
    ) private pure returns (IVaultManager.CollateralParams memory) {
        return
            IVaultManager.CollateralParams({
                oracleAsset: token,
                debtCeiling: DEBT_CEILING,
                minDebt: MIN_DEBT,
                liquidationRatio: LIQUIDATION_RATIO,
                borrowRatio: BORROW_RATIO,
                liquidationPenalty: LIQUIDATION_PENALTY,
                stabilityFee: stabilityFee
            });
    }
}
