import { IncomingMessage, ServerResponse } from 'node:http';

/** The request and response classes an HTTP(S) server creates its objects with (node:http ServerOptions). */
export interface ServerClasses {
  readonly IncomingMessage: typeof IncomingMessage;
  readonly ServerResponse: typeof ServerResponse;
}

/**
 * A constructor that runs `base` on an object created with `prototype` (which inherits from base.prototype). Node
 * 20 defines IncomingMessage and ServerResponse as plain constructor functions, so `base` is called on `this`
 * (Reflect.construct with another new.target also works, but measured twice as slow on the request path).
 */
function constructingWith<T extends new (...args: never[]) => object>(base: T, prototype: object): T {
  const init = base as unknown as (this: object, a: unknown, b: unknown) => void;
  function Constructor(this: object, a: unknown, b: unknown): void {
    init.call(this, a, b);
  }
  Constructor.prototype = prototype;
  return Constructor as unknown as T;
}

/** True for a constructor written as a class (it cannot be called on an existing object). */
function isClass(f: unknown): boolean {
  return typeof f === 'function' && Function.prototype.toString.call(f).startsWith('class');
}

/**
 * Express gives every request and response its app's prototypes (`app.request`, `app.response`) with
 * Object.setPrototypeOf, once per request. Changing the prototype of an object already in use changes its hidden
 * class, and Node's HTTP code, which keeps using both objects, then runs slower: measured on Encrypt, about a
 * third of the proxy's CPU time per request (docs/performance.md). A server that creates its requests and
 * responses with these prototypes from the start makes Express's call a no-op: same objects, same Express.
 * Checked against Express 5.3.0 and Node.js 20.20; test/unit/proxy/http/express-server-classes.test.ts fails when
 * Express stops setting these prototypes or sets others, or when Node's classes can no longer be called this way.
 */
export function expressServerClasses(app: { readonly request: object; readonly response: object }): ServerClasses | undefined {
  if (!(app.request instanceof IncomingMessage) || !(app.response instanceof ServerResponse)) {
    throw new TypeError('expressServerClasses: app.request/app.response must inherit from node:http IncomingMessage/ServerResponse');
  }
  // A Node whose classes cannot be called this way keeps its own classes (Express then sets the prototypes itself).
  if (isClass(IncomingMessage) || isClass(ServerResponse)) return undefined;
  return { IncomingMessage: constructingWith(IncomingMessage, app.request), ServerResponse: constructingWith(ServerResponse, app.response) };
}
