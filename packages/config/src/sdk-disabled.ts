/** `OTEL_SDK_DISABLED=true` (any case, spaces ignored), as the SDK reads it. */
export function sdkDisabled(env: Record<string, string | undefined> = process.env): boolean {
  return env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
}
