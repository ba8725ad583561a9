import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { networkConfig } from "../../config/networks";
import { WAD, wad } from "../../lib/sdk";
import { adminOf, loadSystem, openVault, type System } from "../helpers/fixtures";
import type { BallastDollar, MockFlashBorrower } from "../../typechain-types";

const LOCAL = networkConfig("hardhat");
const ADMIN_ROLE = ethers.ZeroHash;
/** ConstantsLib bounds. */
const MAX_FLASH_FEE = wad("0.01");
const MAX_FLASH_MINT = wad(1_000_000_000);

/** Mirrors `MockFlashBorrower.Behaviour`. */
enum Behaviour {
  Repay,
  NoApprove,
  WrongReturn,
  Reenter,
}

const feeFor = (amount: bigint, rate: bigint) => (amount * rate + WAD - 1n) / WAD;

/** EIP-2612 permit of `owner`'s tokens, signed by `signer` (normally the owner itself). */
async function signPermit(
  bdol: BallastDollar,
  signer: HardhatEthersSigner,
  spender: string,
  value: bigint,
  deadline: bigint,
  owner: string = signer.address,
) {
  const { chainId } = await ethers.provider.getNetwork();
  const domain = { name: await bdol.name(), version: "1", chainId, verifyingContract: await bdol.getAddress() };
  const types = {
    Permit: [
      { name: "owner", type: "address" },
      { name: "spender", type: "address" },
      { name: "value", type: "uint256" },
      { name: "nonce", type: "uint256" },
      { name: "deadline", type: "uint256" },
    ],
  };
  const message = { owner, spender, value, nonce: await bdol.nonces(owner), deadline };
  return ethers.Signature.from(await signer.signTypedData(domain, types, message));
}

describe("BallastDollar", () => {
  let sys: System;
  let bdol: BallastDollar;
  let admin: BallastDollar;
  let alice: HardhatEthersSigner;
  let bob: HardhatEthersSigner;
  let carol: HardhatEthersSigner;
  let attacker: HardhatEthersSigner;
  let reserve: string;

  beforeEach(async () => {
    sys = await loadSystem();
    ({ alice, bob, carol, attacker } = sys);
    bdol = sys.bdol;
    admin = bdol.connect(await adminOf(bdol));
    reserve = await sys.reserve.getAddress();
  });

  /** alice borrows `amount` BDOL against 10 WETH. */
  const aliceBorrows = (amount: bigint) => openVault(sys, alice, sys.weth, wad(10), amount);

  // --------------------------------------------------------------------------- metadata

  describe("metadata and deployment", () => {
    it("has the configured name and symbol, 18 decimals and no supply", async () => {
      expect(await bdol.name()).to.equal(LOCAL.stablecoin.name);
      expect(await bdol.symbol()).to.equal(LOCAL.stablecoin.symbol);
      expect(await bdol.name()).to.equal("Ballast Dollar");
      expect(await bdol.symbol()).to.equal("BDOL");
      expect(await bdol.decimals()).to.equal(18n);
      expect(await bdol.totalSupply()).to.equal(0n);
    });

    it("signs permits in its own EIP-712 domain", async () => {
      const domain = await bdol.eip712Domain();
      expect(domain.name).to.equal("Ballast Dollar");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(31337n);
      expect(domain.verifyingContract).to.equal(await bdol.getAddress());
      expect(await bdol.DOMAIN_SEPARATOR()).to.equal(
        ethers.TypedDataEncoder.hashDomain({
          name: "Ballast Dollar",
          version: "1",
          chainId: 31337n,
          verifyingContract: await bdol.getAddress(),
        }),
      );
    });

    it("is wired to the reserve and the vault manager with the configured flash-mint settings", async () => {
      expect(await bdol.feeRecipient()).to.equal(reserve);
      expect(await bdol.flashFeeRate()).to.equal(LOCAL.stablecoin.flashFeeRate);
      expect(await bdol.flashMintMax()).to.equal(LOCAL.stablecoin.flashMintMax);
      expect(await bdol.isModule(await sys.vaultManager.getAddress())).to.equal(true);
      expect(await bdol.isModule(attacker.address)).to.equal(false);
      expect(await bdol.hasRole(ADMIN_ROLE, attacker.address)).to.equal(false);
    });

    it("rejects a zero admin in the constructor", async () => {
      const factory = await ethers.getContractFactory("BallastDollar");
      await expect(factory.deploy("Ballast Dollar", "BDOL", ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "ZeroAddress",
      );
    });
  });

  // --------------------------------------------------------------------------- mint / burn

  describe("mint and burn", () => {
    it("refuse anyone who is not a module, the admin included (NotModule), changing nothing", async () => {
      await aliceBorrows(wad(1_000));
      const [deployer] = await ethers.getSigners();
      for (const caller of [attacker, deployer]) {
        await expect(bdol.connect(caller).mint(caller.address, wad(1)))
          .to.be.revertedWithCustomError(bdol, "NotModule")
          .withArgs(caller.address);
        await expect(bdol.connect(caller).burn(alice.address, wad(1)))
          .to.be.revertedWithCustomError(bdol, "NotModule")
          .withArgs(caller.address);
      }
      expect(await bdol.totalSupply()).to.equal(wad(1_000));
      expect(await bdol.balanceOf(alice.address)).to.equal(wad(1_000));
    });

    it("let a registered module mint and burn, until it is removed", async () => {
      const module = sys.keeper;
      await expect(admin.setModule(module.address, true)).to.emit(bdol, "ModuleSet").withArgs(module.address, true);
      expect(await bdol.isModule(module.address)).to.equal(true);

      await expect(bdol.connect(module).mint(bob.address, wad(5)))
        .to.emit(bdol, "Transfer")
        .withArgs(ethers.ZeroAddress, bob.address, wad(5));
      // The module is trusted with consent: it burns without an allowance.
      await expect(bdol.connect(module).burn(bob.address, wad(2)))
        .to.emit(bdol, "Transfer")
        .withArgs(bob.address, ethers.ZeroAddress, wad(2));
      expect(await bdol.balanceOf(bob.address)).to.equal(wad(3));
      expect(await bdol.totalSupply()).to.equal(wad(3));
      await expect(bdol.connect(module).burn(bob.address, wad(4)))
        .to.be.revertedWithCustomError(bdol, "ERC20InsufficientBalance")
        .withArgs(bob.address, wad(3), wad(4));

      await expect(admin.setModule(module.address, false)).to.emit(bdol, "ModuleSet").withArgs(module.address, false);
      await expect(bdol.connect(module).mint(bob.address, 1n))
        .to.be.revertedWithCustomError(bdol, "NotModule")
        .withArgs(module.address);
      expect(await bdol.totalSupply()).to.equal(wad(3));
    });
  });

  // --------------------------------------------------------------------------- admin setters

  describe("setModule", () => {
    it("reverts ZeroAddress and NoChange", async () => {
      await expect(admin.setModule(ethers.ZeroAddress, true)).to.be.revertedWithCustomError(bdol, "ZeroAddress");
      await expect(admin.setModule(carol.address, false)).to.be.revertedWithCustomError(bdol, "NoChange");
      await expect(admin.setModule(await sys.vaultManager.getAddress(), true)).to.be.revertedWithCustomError(
        bdol,
        "NoChange",
      );
    });
  });

  describe("setFlashFeeRate", () => {
    it("sets up to MAX_FLASH_FEE with an old/new event, rejects NoChange and out-of-bounds values", async () => {
      const current = LOCAL.stablecoin.flashFeeRate;
      await expect(admin.setFlashFeeRate(MAX_FLASH_FEE + 1n))
        .to.be.revertedWithCustomError(bdol, "OutOfBounds")
        .withArgs(MAX_FLASH_FEE + 1n, 0n, MAX_FLASH_FEE);
      await expect(admin.setFlashFeeRate(current)).to.be.revertedWithCustomError(bdol, "NoChange");
      await expect(admin.setFlashFeeRate(MAX_FLASH_FEE)).to.emit(bdol, "FlashFeeSet").withArgs(current, MAX_FLASH_FEE);
      expect(await bdol.flashFeeRate()).to.equal(MAX_FLASH_FEE);
      expect(await bdol.flashFee(await bdol.getAddress(), wad(100))).to.equal(wad(1));
      await expect(admin.setFlashFeeRate(0n)).to.emit(bdol, "FlashFeeSet").withArgs(MAX_FLASH_FEE, 0n);
      expect(await bdol.flashFee(await bdol.getAddress(), wad(100))).to.equal(0n);
    });
  });

  describe("setFlashMintMax", () => {
    it("sets up to MAX_FLASH_MINT with an old/new event, rejects NoChange and out-of-bounds values", async () => {
      const current = LOCAL.stablecoin.flashMintMax;
      await expect(admin.setFlashMintMax(MAX_FLASH_MINT + 1n))
        .to.be.revertedWithCustomError(bdol, "OutOfBounds")
        .withArgs(MAX_FLASH_MINT + 1n, 0n, MAX_FLASH_MINT);
      await expect(admin.setFlashMintMax(current)).to.be.revertedWithCustomError(bdol, "NoChange");
      await expect(admin.setFlashMintMax(MAX_FLASH_MINT))
        .to.emit(bdol, "FlashMintMaxSet")
        .withArgs(current, MAX_FLASH_MINT);
      expect(await bdol.maxFlashLoan(await bdol.getAddress())).to.equal(MAX_FLASH_MINT);
      await expect(admin.setFlashMintMax(0n)).to.emit(bdol, "FlashMintMaxSet").withArgs(MAX_FLASH_MINT, 0n);
      expect(await bdol.maxFlashLoan(await bdol.getAddress())).to.equal(0n);
    });
  });

  describe("setFeeRecipient", () => {
    it("sets with an old/new event, rejects ZeroAddress and NoChange", async () => {
      await expect(admin.setFeeRecipient(ethers.ZeroAddress)).to.be.revertedWithCustomError(bdol, "ZeroAddress");
      await expect(admin.setFeeRecipient(reserve)).to.be.revertedWithCustomError(bdol, "NoChange");
      await expect(admin.setFeeRecipient(carol.address))
        .to.emit(bdol, "FeeRecipientSet")
        .withArgs(reserve, carol.address);
      expect(await bdol.feeRecipient()).to.equal(carol.address);
    });
  });

  describe("access control", () => {
    it("every setter refuses non-admins (AccessControlUnauthorizedAccount), changing nothing", async () => {
      const asAttacker = bdol.connect(attacker);
      for (const call of [
        () => asAttacker.setModule(attacker.address, true),
        () => asAttacker.setFlashFeeRate(0n),
        () => asAttacker.setFlashMintMax(MAX_FLASH_MINT),
        () => asAttacker.setFeeRecipient(attacker.address),
        () => asAttacker.grantRole(ADMIN_ROLE, attacker.address),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(bdol, "AccessControlUnauthorizedAccount")
          .withArgs(attacker.address, ADMIN_ROLE);
      }
      expect(await bdol.isModule(attacker.address)).to.equal(false);
      expect(await bdol.flashFeeRate()).to.equal(LOCAL.stablecoin.flashFeeRate);
      expect(await bdol.flashMintMax()).to.equal(LOCAL.stablecoin.flashMintMax);
      expect(await bdol.feeRecipient()).to.equal(reserve);
    });
  });

  // --------------------------------------------------------------------------- permit

  describe("permit (EIP-2612)", () => {
    beforeEach(async () => {
      await aliceBorrows(wad(1_000));
    });

    it("sets the allowance from a signature anyone may submit, once", async () => {
      const deadline = BigInt(await time.latest()) + 3_600n;
      const { v, r, s } = await signPermit(bdol, alice, bob.address, wad(100), deadline);
      // The relayer can be anyone, even the attacker: only alice's signature counts.
      await expect(bdol.connect(attacker).permit(alice.address, bob.address, wad(100), deadline, v, r, s))
        .to.emit(bdol, "Approval")
        .withArgs(alice.address, bob.address, wad(100));
      expect(await bdol.allowance(alice.address, bob.address)).to.equal(wad(100));
      expect(await bdol.nonces(alice.address)).to.equal(1n);
      await bdol.connect(bob).transferFrom(alice.address, carol.address, wad(100));
      expect(await bdol.balanceOf(carol.address)).to.equal(wad(100));

      // Replaying the same signature: the nonce moved on, so it recovers someone else.
      await expect(bdol.permit(alice.address, bob.address, wad(100), deadline, v, r, s))
        .to.be.revertedWithCustomError(bdol, "ERC2612InvalidSigner")
        .withArgs((signer: string) => signer !== alice.address, alice.address);
      expect(await bdol.allowance(alice.address, bob.address)).to.equal(0n);
      expect(await bdol.nonces(alice.address)).to.equal(1n);
    });

    it("reverts ERC2612ExpiredSignature after the deadline, changing nothing", async () => {
      const deadline = BigInt(await time.latest()) + 60n;
      const { v, r, s } = await signPermit(bdol, alice, bob.address, wad(100), deadline);
      await time.increaseTo(deadline + 1n);
      await expect(bdol.permit(alice.address, bob.address, wad(100), deadline, v, r, s))
        .to.be.revertedWithCustomError(bdol, "ERC2612ExpiredSignature")
        .withArgs(deadline);
      expect(await bdol.allowance(alice.address, bob.address)).to.equal(0n);
      expect(await bdol.nonces(alice.address)).to.equal(0n);
    });

    it("reverts ERC2612InvalidSigner for a signature by someone else or for other terms", async () => {
      const deadline = BigInt(await time.latest()) + 3_600n;
      // The attacker signs alice's permit with their own key.
      const forged = await signPermit(bdol, attacker, attacker.address, wad(1_000), deadline, alice.address);
      await expect(bdol.permit(alice.address, attacker.address, wad(1_000), deadline, forged.v, forged.r, forged.s))
        .to.be.revertedWithCustomError(bdol, "ERC2612InvalidSigner")
        .withArgs(attacker.address, alice.address);
      // alice's signature for 100 cannot be stretched to 1,000.
      const real = await signPermit(bdol, alice, attacker.address, wad(100), deadline);
      await expect(bdol.permit(alice.address, attacker.address, wad(1_000), deadline, real.v, real.r, real.s))
        .to.be.revertedWithCustomError(bdol, "ERC2612InvalidSigner")
        .withArgs(anyValue, alice.address);
      expect(await bdol.allowance(alice.address, attacker.address)).to.equal(0n);
    });
  });

  // --------------------------------------------------------------------------- flash mint

  describe("flash mint (ERC-3156)", () => {
    let borrower: MockFlashBorrower;
    let token: string;

    beforeEach(async () => {
      token = await bdol.getAddress();
      borrower = await ethers.deployContract("MockFlashBorrower", [token]);
      // alice funds the borrower's fees from a vault: 10 WETH back up to 18,750.
      await aliceBorrows(wad(10_000));
      await bdol.connect(alice).transfer(await borrower.getAddress(), wad(6_000));
    });

    /** Supply, balances and the borrower's allowance to the token: all a flash loan could move. */
    const state = async () => [
      await bdol.totalSupply(),
      await bdol.balanceOf(await borrower.getAddress()),
      await bdol.balanceOf(reserve),
      await bdol.balanceOf(alice.address),
      await bdol.allowance(await borrower.getAddress(), token),
      await borrower.lastAmount(),
    ];

    it("charges ⌈amount × rate⌉ to the reserve and leaves the supply unchanged", async () => {
      const rate = LOCAL.stablecoin.flashFeeRate; // 0.05 %
      const amount = wad(1_000) + 1n; // 1,000 × 0.0005 = 0.5 exactly, plus 0.0005 wei: rounds up
      const fee = feeFor(amount, rate);
      expect(fee).to.equal(wad("0.5") + 1n);
      expect(await bdol.flashFee(token, amount)).to.equal(fee);

      const supply = await bdol.totalSupply();
      const balance = await bdol.balanceOf(await borrower.getAddress());
      const tx = borrower.borrow(amount);
      await expect(tx).to.changeTokenBalances(bdol, [borrower, sys.reserve], [-fee, fee]);
      await expect(tx)
        .to.emit(bdol, "Transfer")
        .withArgs(ethers.ZeroAddress, await borrower.getAddress(), amount);
      expect(await bdol.totalSupply()).to.equal(supply);
      expect(await borrower.lastAmount()).to.equal(amount);
      expect(await borrower.lastFee()).to.equal(fee);
      expect(await borrower.balanceDuringLoan()).to.equal(balance + amount);
      expect(await bdol.allowance(await borrower.getAddress(), token)).to.equal(0n);
    });

    it("lends exactly flashMintMax and reverts ERC3156ExceededMaxLoan one wei above, changing nothing", async () => {
      const max = await bdol.flashMintMax();
      expect(await bdol.maxFlashLoan(token)).to.equal(max);
      const before = await state();
      await expect(borrower.borrow(max + 1n))
        .to.be.revertedWithCustomError(bdol, "ERC3156ExceededMaxLoan")
        .withArgs(max);
      expect(await state()).to.deep.equal(before);

      const fee = feeFor(max, LOCAL.stablecoin.flashFeeRate); // 5,000 on 10,000,000
      await expect(borrower.borrow(max)).to.changeTokenBalance(bdol, sys.reserve, fee);
      expect(await borrower.lastAmount()).to.equal(max);
    });

    it("reverts ERC20InsufficientAllowance when the borrower does not approve repayment, changing nothing", async () => {
      await borrower.setBehaviour(Behaviour.NoApprove);
      const amount = wad(1_000);
      const before = await state();
      await expect(borrower.borrow(amount))
        .to.be.revertedWithCustomError(bdol, "ERC20InsufficientAllowance")
        .withArgs(token, 0n, amount + feeFor(amount, LOCAL.stablecoin.flashFeeRate));
      expect(await state()).to.deep.equal(before);
    });

    it("reverts ERC20InsufficientBalance when the borrower cannot pay the fee, changing nothing", async () => {
      const poor = await ethers.deployContract("MockFlashBorrower", [token]);
      const fee = feeFor(wad(1_000), LOCAL.stablecoin.flashFeeRate);
      const supply = await bdol.totalSupply();
      await expect(poor.borrow(wad(1_000)))
        .to.be.revertedWithCustomError(bdol, "ERC20InsufficientBalance")
        .withArgs(await poor.getAddress(), 0n, fee);
      expect(await bdol.totalSupply()).to.equal(supply);
    });

    it("reverts ERC3156InvalidReceiver when the callback returns the wrong value, changing nothing", async () => {
      await borrower.setBehaviour(Behaviour.WrongReturn);
      const before = await state();
      await expect(borrower.borrow(wad(1_000)))
        .to.be.revertedWithCustomError(bdol, "ERC3156InvalidReceiver")
        .withArgs(await borrower.getAddress());
      expect(await state()).to.deep.equal(before);
    });

    it("refuses a nested flash loan (ReentrancyGuardReentrantCall), changing nothing", async () => {
      await borrower.setBehaviour(Behaviour.Reenter);
      const before = await state();
      await expect(borrower.borrow(wad(1_000))).to.be.revertedWithCustomError(bdol, "ReentrancyGuardReentrantCall");
      expect(await state()).to.deep.equal(before);
    });

    it("lends only itself: maxFlashLoan 0 and ERC3156UnsupportedToken for another token", async () => {
      const weth = await sys.weth.getAddress();
      expect(await bdol.maxFlashLoan(weth)).to.equal(0n);
      await expect(bdol.flashFee(weth, wad(1)))
        .to.be.revertedWithCustomError(bdol, "ERC3156UnsupportedToken")
        .withArgs(weth);
      await expect(bdol.flashLoan(await borrower.getAddress(), weth, wad(1), "0x"))
        .to.be.revertedWithCustomError(bdol, "ERC3156ExceededMaxLoan")
        .withArgs(0n);
    });

    it("charges nothing at a zero fee rate, and pays fees to a new recipient", async () => {
      await admin.setFlashFeeRate(0n);
      const supply = await bdol.totalSupply();
      await expect(borrower.borrow(wad(1_000))).to.changeTokenBalances(bdol, [borrower, sys.reserve], [0n, 0n]);
      expect(await bdol.totalSupply()).to.equal(supply);

      await admin.setFlashFeeRate(wad("0.001"));
      await admin.setFeeRecipient(carol.address);
      await expect(borrower.borrow(wad(1_000))).to.changeTokenBalances(
        bdol,
        [borrower, carol, sys.reserve],
        [-wad(1), wad(1), 0n],
      );
    });
  });
});
