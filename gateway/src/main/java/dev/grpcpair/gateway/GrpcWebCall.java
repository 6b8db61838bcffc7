package dev.grpcpair.gateway;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One gRPC-Web request (what a browser's generated stub sends) made as a gRPC call: the request's
 * one length-prefixed message passed on as bytes, each answer message written as it comes (the next
 * asked for once it has left, so a slow browser holds one message, not the stream), and the status
 * in a trailers frame. {@code application/grpc-web-text} is the same, base64-encoded.
 */
final class GrpcWebCall extends ClientCall.Listener<byte[]> {

  static final String CONTENT_TYPE = "application/grpc-web";
  private static final String TEXT_CONTENT_TYPE = "application/grpc-web-text";
  private static final int HEADER_BYTES = 5;
  private static final byte TRAILERS_FLAG = (byte) 0x80;

  /**
   * HTTP's and the browser's own headers: everything else a gRPC-Web request carries is metadata.
   */
  private static final Set<String> NOT_METADATA =
      Set.of(
          "host",
          "connection",
          "content-type",
          "content-length",
          "te",
          "user-agent",
          "accept",
          "accept-encoding",
          "accept-language",
          "origin",
          "referer",
          "cookie",
          "x-grpc-web",
          "x-user-agent",
          "keep-alive",
          "upgrade",
          "transfer-encoding",
          "pragma",
          "cache-control",
          "http2-settings",
          "x-http2-stream-id",
          "x-http2-scheme");

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private final HttpExchange exchange;
  private final boolean text;
  private ClientCall<byte[], byte[]> call;
  private boolean started;

  private GrpcWebCall(HttpExchange exchange, boolean text) {
    this.exchange = exchange;
    this.text = text;
  }

  /** Whether {@code contentType} is gRPC-Web's, binary or text. */
  static boolean accepts(String contentType) {
    return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(CONTENT_TYPE);
  }

  /**
   * Calls {@code method} on {@code channel} with the request {@code body}; answers a malformed body
   * with INVALID_ARGUMENT in gRPC-Web's form.
   */
  static void start(
      MethodDescriptor<?, ?> method,
      Channel channel,
      ByteBuf body,
      Deadline deadline,
      HttpExchange exchange) {
    String type = exchange.requestHeaders().get(HttpHeaderNames.CONTENT_TYPE);
    GrpcWebCall web =
        new GrpcWebCall(exchange, type.toLowerCase(Locale.ROOT).startsWith(TEXT_CONTENT_TYPE));
    byte[] message;
    try {
      message = web.onlyMessage(body);
    } catch (IllegalArgumentException e) {
      web.onClose(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), new Metadata());
      return;
    }
    if (method.getType() != MethodDescriptor.MethodType.UNARY
        && method.getType() != MethodDescriptor.MethodType.SERVER_STREAMING) {
      web.onClose(
          Status.UNIMPLEMENTED.withDescription(
              "gRPC-Web carries unary and server-streaming calls only"),
          new Metadata());
      return;
    }
    web.call =
        channel.newCall(
            method.toBuilder(BYTES, BYTES).build(), CallOptions.DEFAULT.withDeadline(deadline));
    exchange.onClientGone(() -> web.call.cancel("the browser went away", null));
    web.call.start(web, web.metadata());
    web.call.request(1);
    web.call.sendMessage(message);
    web.call.halfClose();
  }

  /** The request's headers that are metadata, as the gRPC-Web protocol passes them. */
  private Metadata metadata() {
    Metadata metadata = new Metadata();
    for (Map.Entry<String, String> header : exchange.requestHeaders()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (NOT_METADATA.contains(name)
          || name.startsWith(":")
          || name.startsWith("sec-")
          || name.startsWith("access-control-")) {
        continue;
      }
      ForwardedMetadata.put(metadata, name, header.getValue());
    }
    return metadata;
  }

  /** The one message of a unary or server-streaming request, unframed. */
  private byte[] onlyMessage(ByteBuf body) {
    byte[] bytes = ByteBufUtil.getBytes(body);
    if (text) {
      bytes = Base64.getDecoder().decode(new String(bytes, StandardCharsets.US_ASCII).trim());
    }
    if (bytes.length < HEADER_BYTES) {
      throw new IllegalArgumentException("a gRPC-Web request carries one length-prefixed message");
    }
    if (bytes[0] != 0) {
      throw new IllegalArgumentException(
          "compressed or trailer frames are not accepted in a request");
    }
    int length =
        (bytes[1] & 0xff) << 24
            | (bytes[2] & 0xff) << 16
            | (bytes[3] & 0xff) << 8
            | bytes[4] & 0xff;
    if (length != bytes.length - HEADER_BYTES) {
      throw new IllegalArgumentException(
          "the request's frame says "
              + length
              + " bytes, the body has "
              + (bytes.length - HEADER_BYTES));
    }
    byte[] message = new byte[length];
    System.arraycopy(bytes, HEADER_BYTES, message, 0, length);
    return message;
  }

  @Override
  public void onHeaders(Metadata headers) {
    start(headers);
  }

  @Override
  public void onMessage(byte[] message) {
    start(new Metadata());
    exchange.part(frame((byte) 0, message), () -> call.request(1));
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    start(new Metadata());
    StringBuilder block = new StringBuilder();
    block.append("grpc-status:").append(status.getCode().value()).append("\r\n");
    if (status.getDescription() != null) {
      block.append("grpc-message:").append(escape(status.getDescription())).append("\r\n");
    }
    for (String key : trailers.keys()) {
      // A call that fails at once answers trailers only, gRPC's content-type among them.
      if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX)
          && !key.startsWith("grpc-")
          && !key.equals("content-type")) {
        for (String value :
            trailers.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
          block.append(key).append(':').append(value).append("\r\n");
        }
      }
    }
    exchange.end(
        frame(TRAILERS_FLAG, block.toString().getBytes(StandardCharsets.US_ASCII)),
        status.getCode());
  }

  /** The answer's headers, once: the server's response metadata passed on as they are. */
  private void start(Metadata fromServer) {
    if (started) {
      return;
    }
    started = true;
    HttpHeaders headers = new DefaultHttpHeaders();
    headers.set(HttpHeaderNames.CONTENT_TYPE, (text ? TEXT_CONTENT_TYPE : CONTENT_TYPE) + "+proto");
    for (String key : fromServer.keys()) {
      if (!key.endsWith(Metadata.BINARY_HEADER_SUFFIX) && !key.equals("content-type")) {
        for (String value :
            fromServer.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
          headers.add(key, value);
        }
      }
    }
    exchange.start(HttpResponseStatus.OK, headers);
  }

  private ByteBuf frame(byte flag, byte[] payload) {
    byte[] framed = new byte[HEADER_BYTES + payload.length];
    framed[0] = flag;
    framed[1] = (byte) (payload.length >>> 24);
    framed[2] = (byte) (payload.length >>> 16);
    framed[3] = (byte) (payload.length >>> 8);
    framed[4] = (byte) payload.length;
    System.arraycopy(payload, 0, framed, HEADER_BYTES, payload.length);
    return Unpooled.wrappedBuffer(text ? Base64.getEncoder().encode(framed) : framed);
  }

  /** grpc-message's percent-encoding: bytes outside printable ASCII, and '%', as %XX. */
  private static String escape(String description) {
    StringBuilder escaped = new StringBuilder();
    for (byte b : description.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0x20 && b < 0x7f && b != '%') {
        escaped.append((char) b);
      } else {
        escaped.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return escaped.toString();
  }
}
