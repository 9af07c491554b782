// The error vocabulary sits in the lowest layer (../errors.ts) so filters and auth can throw it;
// handlers keep importing it from here.
export { RpcError, invalidParams, notFound } from '../errors.js';
