/**
 * Regression for audit finding B (Low) — a partial take could leave a 1-wei lot behind an unraised tab.
 *
 * The proof: on an underwater auction (10 WETH at 1,900 against a 19,800 tab) a taker took
 * `lot − 1 wei`: the auction stayed open with 1 wei of collateral, its unraised debt stayed under
 * auction (hiding the shortfall from `deficit()`), and restarting it paid nothing.
 *
 * Now the dust rule holds for the lot as well as the tab: a partial take is cut so that the lot left
 * is worth at least `dust` at the take's price, and refused (`TakeLeavesDustLot`) once the lot is
 * worth no more than that. The same steps leave a lot worth dust, which the next taker can only take
 * whole; the auction then ends and its shortfall reaches the reserve's deficit.
 */
import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { wad } from "../../lib/sdk";
import { loadSystem, type System } from "../helpers/fixtures";
import {
  DUST,
  amountForValueUp,
  eventOf,
  expectSupplyIdentity,
  expectUnchanged,
  freezeRates,
  liquidate,
  moveEthPrice,
  priceAt,
  snapshot,
  spareBdol,
  timeOf,
  unhealthyVault,
  valueDown,
  valueUp,
} from "../liquidation/helpers";

describe("AUDIT B (regression): no dust lot behind an unraised tab", () => {
  it("take(lot − 1 wei) leaves a lot worth dust; only the whole of it can go next, and the shortfall reaches the deficit", async () => {
    const sys: System = await loadSystem();
    const { alice, bob } = sys;
    const engine = sys.engine;
    await freezeRates(sys);
    await spareBdol(sys, bob, wad(60_000));

    // alice: 10 WETH, 18,000 debt; ETH falls to 1,900 → underwater auction (lot 19,000 < tab 19,800)
    const id = await unhealthyVault(sys, alice);
    await moveEthPrice(sys, 1_900);
    const t0 = await timeOf(await liquidate(sys, id));
    const a0 = await engine.auctionInfo(1n);

    // just before the floor: bob asks for everything but 1 wei
    const t = 1_300n;
    const price = priceAt(wad(1_900), t);
    const keep = amountForValueUp(DUST, 18n, price);
    await time.setNextBlockTimestamp(t0 + t);
    const taken = await engine.connect(bob).take(1n, a0.lot - 1n, wad(1_000_000), bob.address, "0x");
    const ev = await eventOf(taken, engine, "Taken");
    expect(ev.collateralAmount).to.equal(a0.lot - keep); // cut: not lot − 1
    const a1 = await engine.auctionInfo(1n);
    expect(a1.lot).to.equal(keep);
    expect(valueDown(a1.lot, 18n, price)).to.be.gte(DUST); // a lot worth dust, not 1 wei
    expect(a1.debt).to.be.gt(wad(100)); // the tab is still far from raised
    expect(await engine.totalDebtUnderAuction()).to.equal(a1.debt);

    // the same trick again (all but one wei of what is left) is refused: only the whole lot may go
    const before = await snapshot(sys);
    await time.setNextBlockTimestamp(t0 + t + 5n);
    await expect(engine.connect(bob).take(1n, a1.lot - 1n, wad(1_000_000), bob.address, "0x"))
      .to.be.revertedWithCustomError(engine, "TakeLeavesDustLot")
      .withArgs(valueDown(1n, 18n, priceAt(wad(1_900), t + 5n)), DUST);
    await expectUnchanged(sys, before);

    // the whole lot ends the auction: the debt not raised is a shortfall, recorded as deficit
    const deficitBefore = await sys.reserve.deficit();
    const p2 = priceAt(wad(1_900), t + 8n);
    const paid = valueUp(a1.lot, 18n, p2);
    await time.setNextBlockTimestamp(t0 + t + 8n);
    const last = await engine.connect(bob).take(1n, a1.lot, wad(1_000_000), bob.address, "0x");
    await expect(last)
      .to.emit(engine, "AuctionEnded")
      .withArgs(1n, 0n, a1.debt - paid);
    expect((await sys.reserve.deficit()) - deficitBefore).to.equal(a1.debt - paid);
    expect(await engine.totalDebtUnderAuction()).to.equal(0n);
    expect(await engine.activeAuctionCount()).to.equal(0n);
    await expectSupplyIdentity(sys, 6n);
  });
});
