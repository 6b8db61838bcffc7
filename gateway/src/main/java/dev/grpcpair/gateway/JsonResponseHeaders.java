package dev.grpcpair.gateway;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.ResponseHeadersBuilder;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import io.netty.util.AsciiString;
import java.util.Locale;
import java.util.Set;

/**
 * The headers of a JSON answer as grpc-gateway writes them: the call's response metadata as {@code
 * Grpc-Metadata-<key>} (the User server's {@code x-served-by} and {@code x-request-id} among it),
 * gRPC's own headers ({@code grpc-status}, {@code grpc-encoding}, ...) left out, and {@code
 * Content-Type: application/json}. gRPC and gRPC-Web answers keep theirs as they are.
 */
final class JsonResponseHeaders {

  private static final String METADATA_PREFIX = "grpc-metadata-";

  /** HTTP's own headers, which a JSON answer keeps as they are. */
  private static final Set<AsciiString> HTTP =
      Set.of(
          HttpHeaderNames.CONTENT_TYPE,
          HttpHeaderNames.CONTENT_LENGTH,
          HttpHeaderNames.DATE,
          HttpHeaderNames.SERVER,
          HttpHeaderNames.CONNECTION,
          HttpHeaderNames.TRANSFER_ENCODING,
          HttpHeaderNames.VARY,
          HttpHeaderNames.ALLOW);

  private JsonResponseHeaders() {}

  /** Rewrites the headers of answers to requests that are not gRPC or gRPC-Web. */
  static DecoratingHttpServiceFunction decorator() {
    return (delegate, ctx, request) -> {
      MediaType type = request.contentType();
      if (type != null && type.subtype().startsWith("grpc")) {
        return delegate.serve(ctx, request);
      }
      return delegate.serve(ctx, request).mapHeaders(JsonResponseHeaders::asGrpcGateway);
    };
  }

  static ResponseHeaders asGrpcGateway(ResponseHeaders headers) {
    ResponseHeadersBuilder rewritten = ResponseHeaders.builder(headers.status());
    headers.forEach(
        (name, value) -> {
          String lower = name.toString().toLowerCase(Locale.ROOT);
          if (lower.startsWith(":")) {
            return;
          }
          if (HTTP.contains(name)) {
            rewritten.add(name, value);
          } else if (!lower.startsWith("grpc-")) {
            rewritten.add(METADATA_PREFIX + lower, value);
          }
        });
    if (MediaType.JSON_UTF_8.equals(headers.contentType())) {
      rewritten.contentType(MediaType.JSON);
    }
    return rewritten.build();
  }
}
