package dev.grpcpair.common.server;

import com.google.common.util.concurrent.MoreExecutors;
import dev.grpcpair.common.observability.ServerSpans;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The health service alone, in plaintext, on a port of its own ({@code --health-port}): for probes
 * that cannot speak TLS, such as Kubernetes' gRPC probes, when the serving port requires it. It
 * reports what the serving port's health service reports, the same {@link HealthStatusManager}, and
 * closes after the server has stopped, so probes see NOT_SERVING while calls drain.
 */
final class HealthPort implements AutoCloseable {

  /** No health port: nothing to close, port 0. */
  static final HealthPort NONE = new HealthPort(null);

  private final Server server;

  private HealthPort(Server server) {
    this.server = server;
  }

  /**
   * Serves {@code health} on {@code port} as the serving port serves: on its event loops, under its
   * connection caps (the two share the process's descriptors), its bound on health watches and its
   * {@code connectionSettings} (keepalive, idle connections, rapid reset, header sizes).
   */
  static HealthPort open(
      Integer port,
      HealthStatusManager health,
      ServerInterceptor watches,
      ServerEventLoops loops,
      ConnectionLimit connections,
      Consumer<NettyServerBuilder> connectionSettings)
      throws IOException {
    if (port == null) {
      return NONE;
    }
    NettyServerBuilder builder =
        NettyServerBuilder.forPort(port, InsecureServerCredentials.create())
            .executor(MoreExecutors.directExecutor())
            .addService(
                ServerInterceptors.intercept(
                    StrictParsing.of(health.getHealthService().bindService()), watches));
    // Probes are not traced: one every few seconds would be a trace nobody looks for.
    loops.serve(builder, connections, ServerSpans.NONE);
    connectionSettings.accept(builder);
    return new HealthPort(GrpcServerBuilder.listen(builder, "--health-port " + port));
  }

  int port() {
    return server == null ? 0 : server.getPort();
  }

  @Override
  public void close() {
    if (server == null) {
      return;
    }
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
