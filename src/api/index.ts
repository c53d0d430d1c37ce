export { createApp, type App, type RouteRegistrar } from './app.js';
export { createOperationsApp } from './operations-app.js';
export type { ApiDeps } from './deps.js';
export { unsignedAuthenticator, isLoopbackHost, type Authenticator, type Principal, type RequestFacts } from './auth.js';
export { RouteBook, problem, json } from './route-docs.js';
