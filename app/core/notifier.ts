// Finished-job notifications. The core always emits a 'notification' event and logs; the
// desktop app passes a Notifier that also shows an OS notification (Electron's Notification).
import type { AppNotification } from '../contract/entities.js';

export interface Notifier {
  notify(n: AppNotification): void;
}
