package dev.grpcpair.common;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * TLS credentials from PEM files that are re-read while the process runs, so certificates can be
 * rotated by replacing the files: grpc-java's {@link AdvancedTlsX509KeyManager} and
 * {@link AdvancedTlsX509TrustManager} check them every {@code reloadInterval}; connections made
 * after a change use the new files, connections already open keep the old ones.
 */
public final class ReloadingTls<C> implements AutoCloseable {

  private final C credentials;
  private final ScheduledExecutorService reloader;
  private final List<AutoCloseable> reloads;

  private ReloadingTls(C credentials, ScheduledExecutorService reloader, List<AutoCloseable> reloads) {
    this.credentials = credentials;
    this.reloader = reloader;
    this.reloads = reloads;
  }

  /** A server's credentials: its own certificate, and with a client CA, mutual TLS. */
  public static ReloadingTls<ServerCredentials> forServer(ServerTlsConfig config) {
    return build(
        config.reloadInterval(),
        (reloader, reloads) -> {
          TlsServerCredentials.Builder builder =
              TlsServerCredentials.newBuilder()
                  .keyManager(identity(config.certChain(), config.privateKey(), config.reloadInterval(), reloader, reloads));
          if (config.clientCa() != null) {
            // Client certificates name clients, not hosts: check the chain, not a host name.
            builder
                .trustManager(trust(config.clientCa(), Verification.CERTIFICATE_ONLY_VERIFICATION, config.reloadInterval(), reloader, reloads))
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
          }
          return builder.build();
        });
  }

  /** A client's credentials: the CA it trusts (or the system's), and optionally its own certificate. */
  public static ReloadingTls<ChannelCredentials> forChannel(ChannelTlsConfig config) {
    return build(
        config.reloadInterval(),
        (reloader, reloads) -> {
          TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
          if (config.trustedCa() != null) {
            builder.trustManager(
                trust(config.trustedCa(), Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION, config.reloadInterval(), reloader, reloads));
          }
          if (config.certChain() != null) {
            builder.keyManager(identity(config.certChain(), config.privateKey(), config.reloadInterval(), reloader, reloads));
          }
          return builder.build();
        });
  }

  public C credentials() {
    return credentials;
  }

  /** Stops re-reading the files. */
  @Override
  public void close() {
    for (AutoCloseable reload : reloads) {
      try {
        reload.close();
      } catch (Exception e) {
        // Closing a scheduled re-read only cancels it; nothing is left to clean up.
      }
    }
    reloader.shutdownNow();
  }

  @Override
  public String toString() {
    return "ReloadingTls{" + credentials.getClass().getSimpleName() + "}";
  }

  private interface Assembly<C> {
    C assemble(ScheduledExecutorService reloader, List<AutoCloseable> reloads)
        throws IOException, GeneralSecurityException;
  }

  private static <C> ReloadingTls<C> build(Duration reloadInterval, Assembly<C> assembly) {
    ScheduledExecutorService reloader =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "tls-reload");
              thread.setDaemon(true);
              return thread;
            });
    List<AutoCloseable> reloads = new ArrayList<>();
    try {
      return new ReloadingTls<>(assembly.assemble(reloader, reloads), reloader, reloads);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      reloader.shutdownNow();
      throw new IllegalArgumentException("cannot load TLS files: " + e.getMessage(), e);
    }
  }

  private static AdvancedTlsX509KeyManager identity(
      Path certChain, Path privateKey, Duration interval, ScheduledExecutorService reloader, List<AutoCloseable> reloads)
      throws IOException, GeneralSecurityException {
    AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
    reloads.add(
        keyManager.updateIdentityCredentials(
            certChain.toFile(), privateKey.toFile(), interval.toMillis(), TimeUnit.MILLISECONDS, reloader));
    return keyManager;
  }

  private static AdvancedTlsX509TrustManager trust(
      Path ca, Verification verification, Duration interval, ScheduledExecutorService reloader, List<AutoCloseable> reloads)
      throws IOException, GeneralSecurityException {
    AdvancedTlsX509TrustManager trustManager =
        AdvancedTlsX509TrustManager.newBuilder().setVerification(verification).build();
    reloads.add(
        trustManager.updateTrustCredentials(ca.toFile(), interval.toMillis(), TimeUnit.MILLISECONDS, reloader));
    return trustManager;
  }
}
