package dev.grpcpair.gateway;

import dev.grpcpair.common.observability.Telemetry;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The gateway's channel to the Post service, for its {@code /v1} routes: plaintext, or TLS trusting
 * {@code --post-ca}. It carries no token of its own: the Post server checks each caller's {@code
 * Authorization}, which the gateway passes on.
 */
final class PostChannel {

  private PostChannel() {}

  static ManagedChannel open(GatewayConfig config, Telemetry telemetry, EventLoops loops) {
    ChannelCredentials credentials = InsecureChannelCredentials.create();
    if (config.postTls || config.postCa != null) {
      TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
      if (config.postCa != null) {
        try {
          tls.trustManager(config.postCa.toFile());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read --post-ca " + config.postCa, e);
        }
      }
      credentials = tls.build();
    }
    ManagedChannelBuilder<?> builder = loops.channelBuilder(config.postTarget, credentials);
    telemetry.configure(builder);
    return builder.build();
  }
}
