/**
 * Governance tools: the logic behind the `gov:*` tasks (tasks/governance.ts), for the demo and
 * scripts as plain functions taking `hre` and a signer.
 *
 *   const signer = await resolveSigner(hre);                       // first account, or an index/address
 *   const p = await proposeActions(hre, signer, [{ param: "debtCeiling", collateral: "WETH", value: "150000000" }], "Raise the WETH ceiling");
 *   await castVote(hre, signer, p.id, "for", { advance: true });   // --advance: local networks only
 *   await queueProposal(hre, signer, p.id, { advance: true });
 *   await executeProposal(hre, signer, p.id, { advance: true });
 *   const status = await proposalStatus(hre);                      // id defaults to the latest stored proposal
 */
export * from "./params";
export * from "./store";
export * from "./proposals";
export { LOCAL_NETWORKS, isLocalNetwork, resolveSigner } from "../../../lib/sdk/hardhat";
export { fmtDuration, fmtTime, fmtUtc } from "../../../lib/sdk";
