// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC3156FlashBorrower} from "@openzeppelin/contracts/interfaces/IERC3156FlashBorrower.sol";
import {IERC3156FlashLender} from "@openzeppelin/contracts/interfaces/IERC3156FlashLender.sol";

import {ILiquidationEngine, ITakeCallback} from "../interfaces/ILiquidationEngine.sol";
import {MockDex} from "./MockDex.sol";

/// @title MockTakerFlashMint
/// @notice A keeper with no capital: it flash-mints the stablecoin (ERC-3156), takes an auction,
/// sells the collateral on a DEX, repays the flash mint plus its fee and sends the profit to
/// `beneficiary`. Two ways: with the engine's callback (the collateral is sold inside `onTake`,
/// before the engine burns what is owed) or without (the flash-minted stablecoin pays the burn and
/// the collateral is sold after `take` returns).
contract MockTakerFlashMint is IERC3156FlashBorrower, ITakeCallback {
    using SafeERC20 for IERC20;

    bytes32 internal constant FLASH_OK = keccak256("ERC3156FlashBorrower.onFlashLoan");

    ILiquidationEngine public immutable engine;
    IERC3156FlashLender public immutable lender; // the stablecoin itself
    MockDex public immutable dex;

    struct Job {
        uint256 auctionId;
        uint256 maxCollateral;
        uint256 maxPrice;
        bool useCallback;
    }

    address internal _collateral;
    uint256 public lastCollateralOut;
    uint256 public lastPaid;
    uint256 public lastFlashFee;
    uint256 public lastSold;

    error Untrusted(address caller);

    constructor(address engine_, address stablecoin_, address dex_) {
        engine = ILiquidationEngine(engine_);
        lender = IERC3156FlashLender(stablecoin_);
        dex = MockDex(dex_);
    }

    /// @notice Flash-mints `loan`, takes, sells, repays, and sends the profit to `beneficiary`.
    function run(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        uint256 loan,
        bool useCallback,
        address beneficiary
    ) external returns (uint256 profit) {
        _collateral = engine.auctionInfo(auctionId).collateral;
        bytes memory job = abi.encode(Job(auctionId, maxCollateral, maxPrice, useCallback));
        lender.flashLoan(this, address(lender), loan, job);
        IERC20 coin = IERC20(address(lender));
        profit = coin.balanceOf(address(this));
        if (profit != 0) coin.safeTransfer(beneficiary, profit);
    }

    /// @inheritdoc IERC3156FlashBorrower
    function onFlashLoan(
        address initiator,
        address token,
        uint256 amount,
        uint256 fee,
        bytes calldata data
    ) external returns (bytes32) {
        if (msg.sender != address(lender) || initiator != address(this)) revert Untrusted(msg.sender);
        Job memory job = abi.decode(data, (Job));
        bytes memory takeData = job.useCallback ? bytes("sell") : bytes("");
        (uint256 out, uint256 paid) = engine.take(
            job.auctionId,
            job.maxCollateral,
            job.maxPrice,
            address(this),
            takeData
        );
        if (!job.useCallback) _sell(out);
        (lastCollateralOut, lastPaid, lastFlashFee) = (out, paid, fee);
        IERC20(token).forceApprove(address(lender), amount + fee);
        return FLASH_OK;
    }

    /// @inheritdoc ITakeCallback
    function onTake(address taker, uint256 collateralAmount, uint256, bytes calldata) external {
        if (msg.sender != address(engine) || taker != address(this)) revert Untrusted(msg.sender);
        _sell(collateralAmount);
    }

    function _sell(uint256 amount) internal {
        IERC20(_collateral).forceApprove(address(dex), amount);
        lastSold = dex.sell(_collateral, amount, 0, address(this));
    }
}
