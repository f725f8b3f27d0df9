/** How long one vendor call may take before the next provider is tried. */
export const requestTimeoutMs = 60_000;
