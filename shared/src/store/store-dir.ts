/** Name of the store directory at the root of a repository (`@rollgate/shared/store/dir`: light entry points import it alone, without the stores). */
export const STORE_DIR_NAME = '.rollgate';
