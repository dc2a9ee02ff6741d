/** Waits `ms` without keeping the process alive for it (the timer is unref'd). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
