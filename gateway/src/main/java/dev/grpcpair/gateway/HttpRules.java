package dev.grpcpair.gateway;

import com.google.api.Http;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.grpcpair.common.config.InvalidConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The HTTP rules the gateway adds for services whose protos carry none: a {@code google.api.Http}
 * in JSON, the {@code http:} section of a Google API service configuration. Built in: the Post
 * service's ({@code http-rules.json}); {@code --http-rules} gives another file.
 */
final class HttpRules {

  private static final String BUILT_IN = "/http-rules.json";

  private HttpRules() {}

  /**
   * The rules in {@code file}, or the built-in ones when it is null.
   *
   * @throws IllegalArgumentException for a file that is not such JSON, naming it
   */
  static Http load(Path file) {
    String where = file == null ? "the built-in " + BUILT_IN : file.toString();
    String json;
    try {
      if (file == null) {
        try (InputStream in = HttpRules.class.getResourceAsStream(BUILT_IN)) {
          json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      } else {
        json = Files.readString(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read HTTP rules from " + where, e);
    }
    Http.Builder rules = Http.newBuilder();
    try {
      JsonFormat.parser().merge(json, rules);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidConfigException(
          where + " is not google.api.Http in JSON: " + e.getMessage(), e);
    }
    return rules.build();
  }
}
