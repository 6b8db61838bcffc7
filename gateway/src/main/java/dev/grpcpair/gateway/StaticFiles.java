package dev.grpcpair.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the gateway answers as it is, to any GET of its path: the browser page at {@code /} and its
 * script {@code app.js} (gRPC-Web stubs generated from the protos, bundled by {@code
 * gateway/web/build.sh}; read from the jar once), the OpenAPI document of the routes, and the
 * liveness answer.
 */
final class StaticFiles {

  /** A file's type and bytes; {@code routine}: a probe's, logged at DEBUG as health checks are. */
  record File(String contentType, byte[] content, boolean routine) {}

  private static final String JSON = "application/json";

  private final Map<String, File> files;

  private StaticFiles(Map<String, File> files) {
    this.files = files;
  }

  /** The page from the jar, with {@code openApi}, the routes' document. */
  static StaticFiles load(String openApi) {
    return new StaticFiles(
        Map.of(
            "/",
            read("index.html", "text/html; charset=utf-8"),
            "/app.js",
            read("app.js", "text/javascript; charset=utf-8"),
            GatewayServices.OPENAPI_PATH,
            new File(JSON, utf8(openApi), false),
            GatewayServices.LIVE_PATH,
            new File(JSON, utf8("{\"live\":true}"), true)));
  }

  /** The file at {@code path}, or null. */
  File at(String path) {
    return files.get(path);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static File read(String name, String contentType) {
    try (InputStream in = StaticFiles.class.getResourceAsStream("/web/" + name)) {
      if (in == null) {
        throw new IllegalStateException("web/" + name + " is missing from the jar");
      }
      return new File(contentType, in.readAllBytes(), false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read web/" + name + " from the jar", e);
    }
  }
}
