// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title KeeperCoin
/// @notice The stablecoin as the peg keeper sees it: 18 decimals, `mint`/`burn` for its modules (the
/// keeper, and the handler that issues the coin everyone else trades).
contract KeeperCoin is ERC20 {
    mapping(address => bool) public isModule;

    error NotModule(address caller);

    constructor() ERC20("Ballast Dollar (invariant test)", "BDOL") {
        isModule[msg.sender] = true;
    }

    function setModule(address module) external {
        if (!isModule[msg.sender]) revert NotModule(msg.sender);
        isModule[module] = true;
    }

    function mint(address to, uint256 amount) external {
        if (!isModule[msg.sender]) revert NotModule(msg.sender);
        _mint(to, amount);
    }

    function burn(address from, uint256 amount) external {
        if (!isModule[msg.sender]) revert NotModule(msg.sender);
        _burn(from, amount);
    }
}
