// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PriceStatus} from "./IOracleAdapter.sol";

/// @title IPegStabilityModule
/// @notice Swaps a reserve stable asset (USDC, 6 decimals) for the stablecoin 1:1 and back, with a
/// fee each way. The stable asset goes to the reserve and counts in its value; redemptions are paid
/// from the reserve. Three brakes:
/// - a minting ceiling on the stablecoin minted against the stable asset (`minted`);
/// - a depeg guard: stable → coin is refused while the stable asset's price is below
///   1 − `depegTolerance`, or cannot be trusted: its feed failed, is stale or out of bounds, or the
///   oracle adapter does not report it live (frozen by the circuit breaker, sequencer down) — so a
///   failing USDC is not accepted at par (March 2023); coin → stable stays open. The module reads
///   the feed itself on every swap, with the adapter's settings for it copied at deployment
///   (`stableFeed`), and asks the adapter once per new feed reading (see `stablePrice`);
/// - an outflow limit on the net flow of the stable asset, rolling: a bucket (`availableOutflow`)
///   that redemptions drain by the stable value they take and swaps in refill by the stable value
///   they bring, above `outflowLimit` if need be, and that drifts back toward `outflowLimit` at
///   `outflowLimit` per `outflowWindow` — up from below (refill), down from above (the inflow credit
///   fades). A bank run is slowed, not fatal. With L = outflowLimit and W = outflowWindow:
///   (1) over any stretch [s, t] that starts with the bucket at or below L, the net outflow
///       (stable out − stable in) is at most L × (1 + (t − s) / W);
///   (2) a stretch that starts above L may add the credit it starts with, which is at most the net
///       inflow of some earlier stretch [u, s] less L × (s − u) / W: so every stretch extends back
///       to a start u ≤ s over which (1) holds;
///   (3) a round trip of X (stable in, then the coin back out) in one block leaves the bucket
///       higher by the fees: it blocks no one. Held for τ, it can take at most min(X, 2 × L × τ / W)
///       of the room others would have had (while the credit fades, the room without it would have
///       refilled; at most L × τ / W when the bucket started full). E.g. swap in L while the bucket
///       is full (it rises to 2L), hold the coin for W (the credit fades back to L), redeem it: the
///       bucket is empty. So taking B of the others' room needs at least B of the coin held for at
///       least B × W / (2L), plus both fees — what a real redeemer of B could do anyway.
///   With L = 0 nothing refills and credit does not fade: only stable that came in may leave.
/// @dev Amounts: `stableIn`/`stableOut` in the stable asset's own units; coin amounts in wad. The
/// stable amount converts to wad by × 10^(18 − decimals). Fees round up (in the protocol's favour),
/// payouts round down. Fees are owed to the reserve (`pendingFees`) and minted to it by
/// `collectFees` (anyone), so a swap mints or burns once. Supply accounting: `minted` grows by the
/// whole stable value swapped in (payout + fee) and falls by the coin a redemption takes out of
/// circulation (floored at zero: coin minted by vaults can be redeemed too while the reserve holds
/// the stable asset); the coin in circulation because of the PSM is `minted − pendingFees`.
interface IPegStabilityModule {
    event SwappedStableForCoin(
        address indexed sender,
        address indexed to,
        uint256 stableIn,
        uint256 coinOut,
        uint256 fee
    );
    event SwappedCoinForStable(
        address indexed sender,
        address indexed to,
        uint256 coinIn,
        uint256 stableOut,
        uint256 fee
    );
    /// @notice `amount` of owed fees was minted to the reserve.
    event FeesCollected(address indexed reserve, uint256 amount);
    event FeeInSet(uint256 oldValue, uint256 newValue);
    event FeeOutSet(uint256 oldValue, uint256 newValue);
    event MintCeilingSet(uint256 oldValue, uint256 newValue);
    event OutflowLimitSet(uint256 oldValue, uint256 newValue);
    event OutflowWindowSet(uint256 oldValue, uint256 newValue);
    event DepegToleranceSet(uint256 oldValue, uint256 newValue);
    /// @notice The oracle adapter judged the stable asset's feed reading (`price`, stamped
    /// `updatedAt`) live: later swaps on the same reading do not ask it again.
    event StableReadingVetted(uint256 price, uint256 updatedAt);

    /// @notice The stable asset's oracle price is not live.
    error StableOracleNotLive(PriceStatus status);
    /// @notice The stable asset trades below 1 − depegTolerance: minting against it is refused.
    error StableDepegged(uint256 price, uint256 floor);
    /// @notice The swap would take `minted` above the ceiling.
    error MintCeilingExceeded(uint256 minted, uint256 ceiling);
    /// @notice The outflow bucket holds less than the redemption asks for.
    error OutflowLimitExceeded(uint256 requested, uint256 available);
    /// @notice The output is below the caller's minimum.
    error SlippageExceeded(uint256 out, uint256 minOut);
    /// @notice The stable asset's decimals are above 18.
    error UnsupportedDecimals(uint8 decimals);
    /// @notice The oracle adapter has no feed for the stable asset (at deployment).
    error StableFeedUnknown(address stable);

    /// @notice The stablecoin (BDOL).
    function stablecoin() external view returns (address);

    /// @notice The stable asset (USDC).
    function stable() external view returns (address);

    /// @notice The reserve pool that holds the stable asset and receives the fees.
    function reserve() external view returns (address);

    /// @notice Coin minted against the stable asset, net of redemptions [wad].
    function minted() external view returns (uint256);

    /// @notice Swap `stableIn` of the stable asset for the stablecoin, to `to`; returns the coin paid.
    /// Fee-on-transfer safe: credits what the reserve received.
    function swapStableForCoin(uint256 stableIn, uint256 minCoinOut, address to) external returns (uint256 coinOut);

    /// @notice Swap `coinIn` of the stablecoin (burnt from the caller) for the stable asset, to `to`;
    /// returns the stable asset paid (from the reserve).
    function swapCoinForStable(uint256 coinIn, uint256 minStableOut, address to) external returns (uint256 stableOut);

    /// @notice Anyone: mint the fees owed to the reserve; returns the amount (ZeroAmount if none).
    function collectFees() external returns (uint256 fees);

    /// @notice Fees owed to the reserve, not minted yet [wad].
    function pendingFees() external view returns (uint256);

    /// @notice What `swapStableForCoin(stableIn)` would pay now (no checks).
    function quoteStableForCoin(uint256 stableIn) external view returns (uint256 coinOut, uint256 fee);

    /// @notice What `swapCoinForStable(coinIn)` would pay now (no checks).
    function quoteCoinForStable(uint256 coinIn) external view returns (uint256 stableOut, uint256 fee);

    /// @notice Stable value [wad] that may leave now under the outflow limit: the bucket drifted to
    /// now (see the contract notes); above `outflowLimit` while swaps in left credit in it.
    function availableOutflow() external view returns (uint256);

    /// @notice The stable asset's price [wad] as the depeg guard sees it now, and its status: `Live`
    /// only when the module's own read of the feed is live and the adapter has judged that reading
    /// live (now, or when it was vetted); otherwise the first failing status: the module's own read
    /// (price 0), then the adapter's (its last good price). Minting is open when the status is `Live`
    /// and the price is at least 1 − `depegTolerance`.
    function stablePrice() external view returns (uint256 price, PriceStatus status);

    /// @notice The stable asset's primary feed and the checks the module applies to it on every swap
    /// (decimals, heartbeat [seconds], price bounds [wad]): the adapter's, copied at deployment.
    function stableFeed()
        external
        view
        returns (address feed, uint256 feedDecimals, uint256 heartbeat, uint256 minPrice, uint256 maxPrice);

    function feeIn() external view returns (uint256);

    function feeOut() external view returns (uint256);

    function mintCeiling() external view returns (uint256);

    function outflowLimit() external view returns (uint256);

    function outflowWindow() external view returns (uint256);

    function depegTolerance() external view returns (uint256);

    /// @notice Admin: fee on stable → coin [wad], ≤ MAX_PSM_FEE.
    function setFeeIn(uint256 newValue) external;

    /// @notice Admin: fee on coin → stable [wad], ≤ MAX_PSM_FEE.
    function setFeeOut(uint256 newValue) external;

    /// @notice Admin: ceiling on `minted` [wad], ≤ MAX_DEBT_CEILING.
    function setMintCeiling(uint256 newValue) external;

    /// @notice Admin: outflow limit [wad] per window, ≤ MAX_DEBT_CEILING. A raise adds its increase
    /// to the bucket at once; a cut caps the bucket at the new limit, inflow credit included.
    function setOutflowLimit(uint256 newValue) external;

    /// @notice Admin: outflow window [seconds], MIN_OUTFLOW_WINDOW..MAX_OUTFLOW_WINDOW. The bucket
    /// drifts to now at the old rate first.
    function setOutflowWindow(uint256 newValue) external;

    /// @notice Admin: depeg tolerance [wad], MIN_DEPEG_TOLERANCE..MAX_DEPEG_TOLERANCE.
    function setDepegTolerance(uint256 newValue) external;
}
