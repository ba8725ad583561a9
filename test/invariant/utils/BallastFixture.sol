// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IBallastDollar} from "../../../contracts/interfaces/IBallastDollar.sol";
import {IReservePool} from "../../../contracts/interfaces/IReservePool.sol";
import {IOracleAdapter} from "../../../contracts/interfaces/IOracleAdapter.sol";
import {IVaultManager} from "../../../contracts/interfaces/IVaultManager.sol";
import {ILiquidationEngine} from "../../../contracts/interfaces/ILiquidationEngine.sol";
import {IReserveLens} from "../../../contracts/interfaces/IReserveLens.sol";
import {MockERC20} from "../../../contracts/test/MockERC20.sol";
import {MockAggregator} from "../../../contracts/test/MockAggregator.sol";
import {Test} from "./Test.sol";

/// @dev `ProtocolArtifacts.creationCode`, with the enum as its ABI type.
interface ICreationCodes {
    function creationCode(uint8 kind) external pure returns (bytes memory);
}

/// @title BallastFixture
/// @notice Deploys the Ballast system in Solidity exactly as `deploy/00_mocks.ts` … `06_lens.ts`
/// do on the local network, with the parameters of `config/networks.ts` (`local`). One deliberate
/// difference: the debt ceiling is 2,000,000 BDOL per collateral instead of 100,000,000, so that
/// random campaigns reach it and `DebtCeilingExceeded` is exercised in both directions. (A suite
/// that needs other limits sets them by governance calls in its own setUp, after this deploy.)
abstract contract BallastFixture is Test {
    /// @notice Everything the deploy scripts create. `deployer` holds every admin role, as after
    /// the scripts (the hand-over to the timelock is a later deploy step).
    struct Ballast {
        address deployer;
        IBallastDollar stablecoin;
        IReservePool reserve;
        IOracleAdapter oracle;
        IVaultManager vaultManager;
        ILiquidationEngine engine;
        IReserveLens lens;
        MockERC20 weth;
        MockERC20 wbtc;
        MockERC20 usdc;
        MockAggregator ethUsdFeed;
        MockAggregator btcUsdFeed;
        MockAggregator usdcUsdFeed;
        MockAggregator bdolUsdFeed;
    }

    /// @dev Where the creation-code holder (utils/ProtocolArtifacts.sol) is installed.
    address internal constant ARTIFACTS = address(uint160(uint256(keccak256("ballast.protocol-artifacts"))));
    string internal constant ARTIFACTS_NAME = "ProtocolArtifacts.sol:ProtocolArtifacts";
    string internal constant ARTIFACTS_FILE = "out/ProtocolArtifacts.sol/ProtocolArtifacts.json";

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
    /// @dev maxReferenceAge = the heartbeat, as config/networks.ts.
    uint32 internal constant CRYPTO_REFERENCE_AGE = 3900;
    uint32 internal constant USD_REFERENCE_AGE = 90_000;

    uint96 internal constant DEBT_CEILING = 2_000_000e18;
    uint96 internal constant MIN_DEBT = 500e18;
    uint64 internal constant LIQUIDATION_RATIO = 1.5e18;
    uint64 internal constant BORROW_RATIO = 1.6e18;
    uint64 internal constant LIQUIDATION_PENALTY = 0.1e18;
    /// @dev `perSecondRate(wad("0.02"))` and `perSecondRate(wad("0.015"))` from config/units.ts.
    uint96 internal constant WETH_STABILITY_FEE = 1_000000000627937192491029810;
    uint96 internal constant WBTC_STABILITY_FEE = 1_000000000472114805215157978;

    /// @dev `reserve.bufferShare`: 80 % of the reserve's free stablecoin is the stability buffer.
    uint256 internal constant BUFFER_SHARE = 0.8e18;
    /// @dev `auction(maxAuctionDebt, dust)` of config/networks.ts, the same for WETH and WBTC.
    uint256 internal constant AUCTION_START_MULTIPLIER = 1.1e18;
    uint256 internal constant AUCTION_FLOOR_RATIO = 0.9e18;
    uint256 internal constant AUCTION_DURATION = 2 hours;
    uint256 internal constant AUCTION_MAX_AGE = 1 hours;
    uint256 internal constant MAX_AUCTION_DEBT = 20_000_000e18;
    uint256 internal constant AUCTION_DUST = 100e18;
    /// @dev `liquidation`: KEEPER_PAY and the total auction limit; the native asset is WETH.
    uint256 internal constant MAX_TOTAL_AUCTION_DEBT = 30_000_000e18;
    uint256 internal constant TIP_GAS = 400_000;
    uint256 internal constant REDO_GAS = 100_000;
    uint256 internal constant MAX_TIP = 500e18;
    uint256 internal constant KEEPER_FEE = 0.001e18;
    uint256 internal constant MAX_REWARD_SHARE = 0.02e18;

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
        b.stablecoin = IBallastDollar(_deploy("BallastDollar", abi.encode("Ballast Dollar", "BDOL", deployer)));

        // 02_reserve
        b.reserve = IReservePool(_deploy("ReservePool", abi.encode(address(b.stablecoin), deployer, BUFFER_SHARE)));
        b.stablecoin.setFeeRecipient(address(b.reserve));
        b.stablecoin.setFlashFeeRate(FLASH_FEE_RATE);
        b.stablecoin.setFlashMintMax(FLASH_MINT_MAX);

        // 03_oracle: no sequencer feed on the local network, so a grace period of 0.
        b.oracle = IOracleAdapter(_deploy("OracleAdapter", abi.encode(deployer, address(0), 0)));
        _setCryptoFeed(b.oracle, address(b.weth), address(b.ethUsdFeed), ETH_MIN_PRICE, ETH_MAX_PRICE);
        _setCryptoFeed(b.oracle, address(b.wbtc), address(b.btcUsdFeed), BTC_MIN_PRICE, BTC_MAX_PRICE);
        _setUsdFeed(b.oracle, address(b.usdc), address(b.usdcUsdFeed));
        _setUsdFeed(b.oracle, address(b.stablecoin), address(b.bdolUsdFeed));
        b.oracle.recordPrice(address(b.weth));
        b.oracle.recordPrice(address(b.wbtc));
        b.oracle.recordPrice(address(b.usdc));
        b.oracle.recordPrice(address(b.stablecoin));

        // 04_vault_manager
        b.vaultManager = IVaultManager(
            _deploy("VaultManager", abi.encode(address(b.stablecoin), address(b.oracle), address(b.reserve), deployer))
        );
        b.vaultManager.addCollateral(address(b.weth), _collateralParams(address(b.weth), WETH_STABILITY_FEE));
        b.vaultManager.addCollateral(address(b.wbtc), _collateralParams(address(b.wbtc), WBTC_STABILITY_FEE));
        b.stablecoin.setModule(address(b.vaultManager), true);

        _deployLiquidation(b, deployer);
        vm.stopPrank();
    }

    /// @dev 05_liquidation and 06_lens, with the deployer's prank still on.
    function _deployLiquidation(Ballast memory b, address deployer) private {
        // 05_liquidation
        b.engine = ILiquidationEngine(
            _deploy("LiquidationEngine", abi.encode(address(b.vaultManager), address(b.reserve), deployer))
        );
        b.engine.configureCollateral(address(b.weth), _auctionParams());
        b.engine.configureCollateral(address(b.wbtc), _auctionParams());
        b.engine.setMaxTotalAuctionDebt(MAX_TOTAL_AUCTION_DEBT);
        b.engine.setTipGas(TIP_GAS);
        b.engine.setRedoGas(REDO_GAS);
        b.engine.setMaxTip(MAX_TIP);
        b.engine.setKeeperFee(KEEPER_FEE);
        b.engine.setMaxRewardShare(MAX_REWARD_SHARE);
        b.engine.setNativeAsset(address(b.weth));
        b.vaultManager.setLiquidationEngine(address(b.engine));
        b.reserve.setVaultManager(address(b.vaultManager));
        b.reserve.setLiquidationEngine(address(b.engine));
        b.stablecoin.setModule(address(b.engine), true);
        b.stablecoin.setModule(address(b.reserve), true);

        // 06_lens
        // No risk controller in this fixture: the lens reads the rest.
        b.lens = IReserveLens(
            _deploy("ReserveLens", abi.encode(address(b.vaultManager), address(b.engine), address(0)))
        );
    }

    /// @dev Deploys protocol contract `name` with its via-IR creation code (see utils/ProtocolArtifacts.sol
    /// for why the fixture does not `new` it).
    function _deploy(string memory name, bytes memory constructorArgs) internal returns (address deployed) {
        if (ARTIFACTS.code.length == 0) {
            _checkArtifactsFresh();
            vm.etch(ARTIFACTS, vm.getDeployedCode(ARTIFACTS_NAME));
        }
        uint8 kind = _kind(name);
        bytes memory code = abi.encodePacked(ICreationCodes(ARTIFACTS).creationCode(kind), constructorArgs);
        assembly ("memory-safe") {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        if (deployed == address(0)) fail(string.concat("deploying ", name));
    }

    /// @dev Refuses to test stale bytecode: every contracts/ source the artifact was built from must
    /// still hash as recorded in its metadata. (A filtered `forge test --match-…` compiles only what
    /// the matched tests import, and nothing imports ProtocolArtifacts.sol; a full `forge test` or
    /// `forge build` rebuilds it.)
    function _checkArtifactsFresh() private view {
        string memory json = vm.readFile(ARTIFACTS_FILE);
        string[] memory sources = vm.parseJsonKeys(json, ".metadata.sources");
        uint256 checked;
        for (uint256 i; i < sources.length; ++i) {
            bytes memory path = bytes(sources[i]);
            if (path.length < 10 || bytes10(path) != bytes10("contracts/")) continue;
            bytes32 recorded = vm.parseJsonBytes32(
                json,
                string.concat(".metadata.sources['", sources[i], "'].keccak256")
            );
            if (keccak256(bytes(vm.readFile(sources[i]))) != recorded) {
                fail(
                    string.concat(
                        "stale ",
                        ARTIFACTS_FILE,
                        " (",
                        sources[i],
                        " changed since): run `node scripts/forge.js build` or an unfiltered `forge test`"
                    )
                );
            }
            ++checked;
        }
        if (checked == 0) fail("ProtocolArtifacts metadata lists no contracts/ source");
    }

    function _kind(string memory name) private pure returns (uint8) {
        bytes32 h = keccak256(bytes(name));
        if (h == keccak256("BallastDollar")) return 0;
        if (h == keccak256("ReservePool")) return 1;
        if (h == keccak256("OracleAdapter")) return 2;
        if (h == keccak256("VaultManager")) return 3;
        if (h == keccak256("LiquidationEngine")) return 4;
        if (h == keccak256("ReserveLens")) return 5;
        fail(string.concat("unknown contract ", name));
    }

    function _setCryptoFeed(
        IOracleAdapter oracle,
        address asset,
        address feed,
        uint128 minPrice,
        uint128 maxPrice
    ) private {
        oracle.setFeed(
            asset,
            _feedParams(feed, CRYPTO_HEARTBEAT, minPrice, maxPrice, CRYPTO_MAX_DEVIATION, CRYPTO_REFERENCE_AGE)
        );
    }

    function _setUsdFeed(IOracleAdapter oracle, address asset, address feed) private {
        oracle.setFeed(
            asset,
            _feedParams(feed, USD_HEARTBEAT, USD_MIN_PRICE, USD_MAX_PRICE, USD_MAX_DEVIATION, USD_REFERENCE_AGE)
        );
    }

    /// @dev A single-feed asset's `setFeed` parameters (no secondary feed, no ratio leg).
    function _feedParams(
        address feed,
        uint32 heartbeat,
        uint128 minPrice,
        uint128 maxPrice,
        uint64 maxDeviation,
        uint32 maxReferenceAge
    ) internal pure returns (IOracleAdapter.FeedParams memory) {
        return
            IOracleAdapter.FeedParams({
                primaryFeed: feed,
                secondaryFeed: address(0),
                heartbeat: heartbeat,
                minPrice: minPrice,
                maxPrice: maxPrice,
                maxDeviation: maxDeviation,
                maxReferenceAge: maxReferenceAge,
                ratioFeed: address(0),
                ratioHeartbeat: 0,
                minRatio: 0,
                maxRatio: 0
            });
    }

    function _auctionParams() private pure returns (ILiquidationEngine.AuctionParams memory) {
        return
            ILiquidationEngine.AuctionParams({
                startMultiplier: AUCTION_START_MULTIPLIER,
                floorRatio: AUCTION_FLOOR_RATIO,
                duration: AUCTION_DURATION,
                maxAge: AUCTION_MAX_AGE,
                maxAuctionDebt: MAX_AUCTION_DEBT,
                dust: AUCTION_DUST
            });
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
