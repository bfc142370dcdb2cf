/**
 * Warnings found while reading the config file, shown once by the CLI after a command. A module of its own so that
 * the CLI entry (and `--help`) does not load the config reader and, through it, every provider.
 *
 * @module
 */

/** Warnings found while reading the config file (shown once by the CLI). */
export const configWarnings: string[] = [];
