package dev.grpcpair.common.security;

import dev.grpcpair.common.config.InvalidConfigException;
import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS credentials from PEM files that are re-read while the process runs, so certificates can be
 * rotated by replacing the files. Connections made after a change use the new files; connections
 * already open keep the old ones.
 *
 * <p>The key and trust managers are grpc-java's {@link AdvancedTlsX509KeyManager} and {@link
 * AdvancedTlsX509TrustManager}, which swap credentials safely under live traffic. Their own file
 * watching enforces a refresh period of at least one minute, too slow for tests and for a short
 * rotation window, takes a key only when both files have changed, and does not check that they
 * belong together; so the watching is done here: every {@code reloadInterval}, a changed file is
 * read and handed to them. A new certificate is only taken with a private key that belongs to it,
 * so a rotation caught half-way (one file replaced, not yet the other) keeps the previous pair
 * until both are in place; a renewed certificate for the same key needs only the certificate file
 * replaced.
 */
public final class ReloadingTls<C> implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ReloadingTls.class);

  /**
   * How to prove a key belongs to a certificate, by the key's algorithm; others are not checked.
   */
  private static final Map<String, String> SIGNATURE_ALGORITHMS =
      Map.of(
          "RSA",
          "SHA256withRSA",
          "EC",
          "SHA256withECDSA",
          "Ed25519",
          "Ed25519",
          "EdDSA",
          "Ed25519");

  private final C credentials;
  private final ScheduledExecutorService reloader;

  private ReloadingTls(C credentials, ScheduledExecutorService reloader) {
    this.credentials = credentials;
    this.reloader = reloader;
  }

  /**
   * A server's credentials: its own certificate, and with a client CA (not null), mutual TLS.
   * Clients whose handshake fails are logged ({@link TlsHandshakeLog}).
   */
  public static ReloadingTls<ServerCredentials> forServer(
      Path certChain, Path privateKey, Path clientCa, Duration reloadInterval) {
    TlsHandshakeLog.install();
    return build(
        reloadInterval,
        watcher -> {
          TlsServerCredentials.Builder builder =
              TlsServerCredentials.newBuilder().keyManager(watcher.identity(certChain, privateKey));
          if (clientCa != null) {
            // Client certificates name clients, not hosts: check the chain, not a host name.
            builder
                .trustManager(watcher.trust(clientCa, Verification.CERTIFICATE_ONLY_VERIFICATION))
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
          }
          return builder.build();
        });
  }

  /**
   * A client's credentials: the CA it trusts ({@code trustedCa}; null: the system's), and its own
   * certificate for mutual TLS ({@code certChain} and {@code privateKey}; null: none).
   */
  public static ReloadingTls<ChannelCredentials> forChannel(
      Path trustedCa, Path certChain, Path privateKey, Duration reloadInterval) {
    return build(
        reloadInterval,
        watcher -> {
          TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder();
          if (trustedCa != null) {
            builder.trustManager(
                watcher.trust(trustedCa, Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION));
          }
          if (certChain != null) {
            builder.keyManager(watcher.identity(certChain, privateKey));
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
    reloader.shutdownNow();
  }

  @Override
  public String toString() {
    return "ReloadingTls{" + credentials.getClass().getSimpleName() + "}";
  }

  private interface Assembly<C> {
    C assemble(Watcher watcher) throws IOException, GeneralSecurityException;
  }

  private static <C> ReloadingTls<C> build(Duration reloadInterval, Assembly<C> assembly) {
    ScheduledExecutorService reloader =
        Executors.newSingleThreadScheduledExecutor(
            runnable -> {
              Thread thread = new Thread(runnable, "tls-reload");
              thread.setDaemon(true);
              return thread;
            });
    try {
      return new ReloadingTls<>(assembly.assemble(new Watcher(reloader, reloadInterval)), reloader);
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      reloader.shutdownNow();
      throw new InvalidConfigException("cannot load TLS files: " + describe(e), e);
    }
  }

  /** What went wrong, naming the file: the JDK's own messages are a bare path, or "null". */
  private static String describe(Exception e) {
    if (e instanceof NoSuchFileException missing) {
      return missing.getFile() + " does not exist";
    }
    if (e instanceof AccessDeniedException denied) {
      return denied.getFile() + " cannot be read (permission denied)";
    }
    return e.getMessage();
  }

  /** Loads files into key and trust managers now, and again whenever they change. */
  private static final class Watcher {
    private final ScheduledExecutorService reloader;
    private final Duration interval;

    Watcher(ScheduledExecutorService reloader, Duration interval) {
      this.reloader = reloader;
      this.interval = interval;
    }

    AdvancedTlsX509KeyManager identity(Path certChain, Path privateKey)
        throws IOException, GeneralSecurityException {
      AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
      Load load =
          () -> {
            CertifiedKey identity = readCertifiedKey(certChain, privateKey);
            keyManager.updateIdentityCredentials(identity.chain(), identity.key());
          };
      load.run();
      watch(List.of(certChain, privateKey), load);
      return keyManager;
    }

    AdvancedTlsX509TrustManager trust(Path ca, Verification verification)
        throws IOException, GeneralSecurityException {
      AdvancedTlsX509TrustManager trustManager =
          AdvancedTlsX509TrustManager.newBuilder().setVerification(verification).build();
      try {
        trustManager.updateTrustCredentials(ca.toFile());
      } catch (GeneralSecurityException e) {
        throw notA("PEM CA certificate", ca, e);
      }
      watch(List.of(ca), () -> trustManager.updateTrustCredentials(ca.toFile()));
      return trustManager;
    }

    private interface Load {
      void run() throws IOException, GeneralSecurityException;
    }

    /** Runs {@code load} whenever one of {@code files} has changed since the last good load. */
    private void watch(List<Path> files, Load load) throws IOException {
      long[] loadedVersions = versions(files);
      reloader.scheduleWithFixedDelay(
          () -> {
            try {
              long[] current = versions(files);
              if (Arrays.equals(current, loadedVersions)) {
                return;
              }
              load.run();
              System.arraycopy(current, 0, loadedVersions, 0, current.length);
              log.info("reloaded TLS files {}", files);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
              log.warn(
                  "cannot reload TLS files {}, keeping the previous ones: {}", files, e.toString());
            }
          },
          interval.toNanos(),
          interval.toNanos(),
          TimeUnit.NANOSECONDS);
    }

    private record CertifiedKey(X509Certificate[] chain, PrivateKey key) {}

    /** The certificate chain and private key in these files, checked to belong together. */
    private static CertifiedKey readCertifiedKey(Path certChain, Path privateKey)
        throws IOException, GeneralSecurityException {
      X509Certificate[] chain;
      try (InputStream in = Files.newInputStream(certChain)) {
        chain = CertificateUtils.getX509Certificates(in);
      } catch (GeneralSecurityException e) {
        throw notA("PEM certificate chain", certChain, e);
      }
      if (chain.length == 0) {
        throw new GeneralSecurityException(certChain + " holds no certificate");
      }
      PrivateKey key;
      try (InputStream in = Files.newInputStream(privateKey)) {
        key = CertificateUtils.getPrivateKey(in);
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw notA("PEM private key", privateKey, e);
      }
      String algorithm = SIGNATURE_ALGORITHMS.get(key.getAlgorithm());
      if (algorithm != null) {
        byte[] probe =
            "does this key belong to this certificate?".getBytes(StandardCharsets.US_ASCII);
        Signature signature = Signature.getInstance(algorithm);
        signature.initSign(key);
        signature.update(probe);
        byte[] signed = signature.sign();
        signature.initVerify(chain[0].getPublicKey());
        signature.update(probe);
        if (!signature.verify(signed)) {
          throw new GeneralSecurityException(privateKey + " is not the key of " + certChain);
        }
      }
      return new CertifiedKey(chain, key);
    }

    /** {@code file} did not parse as {@code what}: the file named, and the parser's reason. */
    private static GeneralSecurityException notA(String what, Path file, Exception e) {
      return new GeneralSecurityException(
          file + " is not a " + what + " (" + e.getMessage() + ")", e);
    }

    private static long[] versions(List<Path> files) throws IOException {
      long[] versions = new long[files.size()];
      for (int i = 0; i < versions.length; i++) {
        versions[i] = Files.getLastModifiedTime(files.get(i)).toMillis();
      }
      return versions;
    }
  }
}
