/**
 * Plain running totals, bumped on the per-message path (a number add is all it costs) and
 * read by /metrics at scrape time, so the hot path never touches a metrics library.
 */
export class TrackerStats {
  bytesFromClients = 0;
  messagesFromClients = 0;
  bytesToClients = 0;
  messagesToClients = 0;
  loginsOk = 0;
  loginsFailed = 0;
  rateLimited = 0;
  readonly protocolErrors = new Map<number, number>();
  readonly refusedUpgrades = new Map<number, number>();

  protocolError(code: number): void {
    this.protocolErrors.set(code, (this.protocolErrors.get(code) ?? 0) + 1);
  }

  refusedUpgrade(status: number): void {
    this.refusedUpgrades.set(status, (this.refusedUpgrades.get(status) ?? 0) + 1);
  }
}
