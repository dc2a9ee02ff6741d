import { Injectable } from '@nestjs/common';
import type { Namespace } from 'socket.io';

/** The two namespaces, registered by their gateways once Socket.IO is up, for the fan-out to use. */
@Injectable()
export class SocketHub {
  private deskNsp: Namespace | null = null;
  private visitorNsp: Namespace | null = null;

  attachDesk(nsp: Namespace): void {
    this.deskNsp = nsp;
  }

  attachVisitor(nsp: Namespace): void {
    this.visitorNsp = nsp;
  }

  get desk(): Namespace {
    if (!this.deskNsp) throw new Error('the /desk namespace is not ready');
    return this.deskNsp;
  }

  get visitor(): Namespace {
    if (!this.visitorNsp) throw new Error('the /visitor namespace is not ready');
    return this.visitorNsp;
  }

  /** Whether this instance has any socket in the room (the adapter is in-memory, per instance). */
  static hasMembers(nsp: Namespace, room: string): boolean {
    return (nsp.adapter.rooms.get(room)?.size ?? 0) > 0;
  }
}
