/** Pixel sizes of build/icons/NxN.png. */
export declare const ICON_SIZES: number[]
/** Pixel sizes inside build/icon.ico. */
export declare const ICO_SIZES: number[]
/** [ICNS type, pixel size] for each entry of build/icon.icns. */
export declare const ICNS_TYPES: Array<[string, number]>
export declare function encodeIco(images: Array<{ size: number; png: Buffer }>): Buffer
export declare function encodeIcns(entries: Array<{ type: string; png: Buffer }>): Buffer
