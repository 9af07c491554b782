/** Online/offline signals. In a browser, from `navigator.onLine` and the window `online`/`offline` events. */
export interface NetworkMonitor {
  isOnline(): boolean;
  subscribe(onOnline: () => void, onOffline: () => void): () => void;
}

export function browserNetworkMonitor(): NetworkMonitor | null {
  if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return null;
  if (typeof navigator === 'undefined') return null;
  return {
    isOnline: () => navigator.onLine !== false,
    subscribe(onOnline, onOffline) {
      window.addEventListener('online', onOnline);
      window.addEventListener('offline', onOffline);
      return () => {
        window.removeEventListener('online', onOnline);
        window.removeEventListener('offline', onOffline);
      };
    },
  };
}
