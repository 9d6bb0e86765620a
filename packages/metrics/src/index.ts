export { startMetricsServer, METRICS_PATH, type MetricsServer, type MetricsServerOptions, type MetricsSource } from './metrics-server.js';
export { listenHttp, type ListenHttpOptions, type ListeningHttpServer } from './listen-http.js';
export { HttpListenError, type HttpListenErrorCode } from './errors.js';
