/**
 * manager: not built yet. This module exists so that the workspace member resolves; its public
 * surface arrives with the issue that builds it.
 *
 * @module
 */
export {};
