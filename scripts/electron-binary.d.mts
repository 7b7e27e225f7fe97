/** Where the Electron binary is, or undefined when it is not installed (never downloads it). */
export function electronBinary(): string | undefined
