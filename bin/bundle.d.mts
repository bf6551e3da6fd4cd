// Types of bundle.mjs, for the tests that import it.

/** The bundle's entries (name -> source relative to the root). */
export declare const ENTRIES: Readonly<Record<string, string>>;
/** The key of the sources under `root` as they are now. */
export declare function sourceKey(root?: string): string;
/** The bundle's folder for the sources as they are, built first when missing; throws when it cannot be built. */
export declare function bundle(root?: string): Promise<string>;
/** The bundled command's module, or undefined to run the sources through tsx. */
export declare function bundledMain(root?: string): Promise<string | undefined>;
