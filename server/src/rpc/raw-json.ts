import { RawJson } from '../lib/raw-json.js';

// RawJson sits in lib/ (cluster answers and the transport use it too); handlers import it here.
export { RawJson };

/** The JSON-RPC success response carrying a RawJson result. */
export class RawResponse {
  readonly message: RawJson;

  constructor(
    readonly id: string | number | null,
    result: RawJson,
  ) {
    this.message = result.wrap(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`, '}');
  }
}
