// The registry stage's public API: push a tagged image from an OCI layout.
export { pushImage, type PushOptions, type PushResult } from './push.js';
export { parseRef, formatRef, isLoopback, type ImageRef } from './ref.js';
export { findCredentials, authFiles, parseChallenge, type Credentials } from './auth.js';
export { RegistryClient } from './client.js';
