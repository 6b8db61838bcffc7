package dev.grpcpair.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The browser page served at {@code /}: {@code index.html} and its script {@code app.js} (gRPC-Web
 * stubs generated from the protos, bundled by {@code gateway/web/build.sh}), read from the jar
 * once.
 */
final class StaticFiles {

  /** A file's bytes and type. */
  record File(String contentType, byte[] content) {}

  private final Map<String, File> files;

  private StaticFiles(Map<String, File> files) {
    this.files = files;
  }

  static StaticFiles load() {
    return new StaticFiles(
        Map.of(
            "/", read("index.html", "text/html; charset=utf-8"),
            "/app.js", read("app.js", "text/javascript; charset=utf-8")));
  }

  /** The file at {@code path}, or null. */
  File at(String path) {
    return files.get(path);
  }

  private static File read(String name, String contentType) {
    try (InputStream in = StaticFiles.class.getResourceAsStream("/web/" + name)) {
      if (in == null) {
        throw new IllegalStateException("web/" + name + " is missing from the jar");
      }
      return new File(contentType, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read web/" + name + " from the jar", e);
    }
  }
}
