package dev.grpcpair.testing;

import io.grpc.testing.TlsTesting;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * grpc-java's test certificates (from grpc-testing), written to files as the servers read them.
 *
 * <ul>
 *   <li>{@code ca.pem}: the test CA;
 *   <li>{@code server1.pem}/{@code .key}: signed by it, for {@code *.test.google.fr} (not
 *       localhost: clients override the authority to {@link #SERVER_AUTHORITY});
 *   <li>{@code client.pem}/{@code .key}: a client certificate signed by it;
 *   <li>{@code badserver.pem}/{@code .key}, {@code badclient.pem}/{@code .key}: self-signed, from
 *       no CA anybody trusts.
 * </ul>
 */
public final class TestCertificates {

  /** A name {@code server1.pem} is valid for. */
  public static final String SERVER_AUTHORITY = "foo.test.google.fr";

  private TestCertificates() {}

  /**
   * Writes certificate file {@code name} into {@code dir} (replacing what is there) and returns its
   * path.
   */
  public static Path write(Path dir, String name) {
    return writeAs(dir, name, name);
  }

  /**
   * Writes certificate file {@code name} as {@code dir/fileName}, replacing it: what a rotation
   * does.
   */
  public static Path writeAs(Path dir, String name, String fileName) {
    Path target = dir.resolve(fileName);
    try (InputStream in = TlsTesting.loadCert(name)) {
      Path temporary = Files.createTempFile(dir, fileName, ".tmp");
      Files.copy(in, temporary, StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
