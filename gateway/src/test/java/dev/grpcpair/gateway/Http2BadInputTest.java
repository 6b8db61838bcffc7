package dev.grpcpair.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.grpcpair.common.server.GrpcServer;
import dev.grpcpair.testing.Closer;
import dev.grpcpair.user.UserServer;
import dev.grpcpair.user.UserServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * HTTP/2's smuggling shapes, sent as frames by hand (no client library sends them): HTTP/1.1's
 * {@code Transfer-Encoding} on a stream, and a {@code content-length} its DATA frames contradict.
 * Each stream is reset with PROTOCOL_ERROR, as RFC 9113 asks, never forwarded; others are served.
 */
class Http2BadInputTest {

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int HEADERS = 0x1;
  private static final int DATA = 0x0;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int GOAWAY = 0x7;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int PROTOCOL_ERROR = 0x1;

  @RegisterExtension final Closer closer = new Closer();
  private GatewayClient gateway;

  @BeforeEach
  void setUp() throws Exception {
    GrpcServer users = closer.add(UserServer.start(UserServerConfig.parse("--port=0")));
    gateway = GatewayClient.inFrontOf(users.port(), closer);
  }

  @AfterEach
  void othersAreStillServed() throws Exception {
    HttpResponse<String> response =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .build()
            .send(gateway.request("/v2/users/1").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.body()).isEqualTo(GatewayClient.HENRY);
  }

  @Test
  void transferEncodingOnAStream_isResetWithProtocolError() throws Exception {
    byte[] headers = headerBlock("GET", "/v2/users/1", "transfer-encoding", "chunked");

    int error = send(frame(HEADERS, END_HEADERS | END_STREAM, 1, headers));

    assertThat(error).isEqualTo(PROTOCOL_ERROR);
  }

  @Test
  void contentLengthThatTheDataContradicts_isResetWithProtocolError() throws Exception {
    byte[] headers = headerBlock("POST", "/v2/users/1", "content-length", "5");

    int error =
        send(
            frame(HEADERS, END_HEADERS, 1, headers),
            frame(DATA, END_STREAM, 1, "0123456789".getBytes(StandardCharsets.US_ASCII)));

    assertThat(error).isEqualTo(PROTOCOL_ERROR);
  }

  /**
   * Opens an h2c connection (prior knowledge), sends {@code frames} after the preface and empty
   * SETTINGS; returns the error code of the first RST_STREAM or GOAWAY the gateway sends.
   */
  private int send(byte[]... frames) throws IOException {
    try (Socket socket = new Socket("localhost", gateway.gateway().port())) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(PREFACE);
      out.write(frame(SETTINGS, 0, 0, new byte[0]));
      for (byte[] frame : frames) {
        out.write(frame);
      }
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      while (true) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        in.readUnsignedByte(); // flags
        in.readInt(); // stream id
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (type == RST_STREAM) {
          return readInt(payload, 0);
        }
        if (type == GOAWAY) {
          return readInt(payload, 4);
        }
        if (type == HEADERS || type == DATA) {
          throw new AssertionError("the stream was answered, not reset");
        }
      }
    } catch (EOFException e) {
      throw new AssertionError("closed without RST_STREAM or GOAWAY", e);
    }
  }

  private static int readInt(byte[] bytes, int at) {
    return (bytes[at] & 0xff) << 24
        | (bytes[at + 1] & 0xff) << 16
        | (bytes[at + 2] & 0xff) << 8
        | bytes[at + 3] & 0xff;
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(payload.length >>> 16);
    frame.write(payload.length >>> 8);
    frame.write(payload.length);
    frame.write(type);
    frame.write(flags);
    frame.write(stream >>> 24);
    frame.write(stream >>> 16);
    frame.write(stream >>> 8);
    frame.write(stream);
    frame.writeBytes(payload);
    return frame.toByteArray();
  }

  /** HPACK, literals only (no Huffman, no indexing): the request's pseudo-headers and one more. */
  private static byte[] headerBlock(String method, String path, String name, String value) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    literal(block, ":method", method);
    literal(block, ":scheme", "http");
    literal(block, ":path", path);
    literal(block, ":authority", "localhost");
    literal(block, name, value);
    return block.toByteArray();
  }

  private static void literal(ByteArrayOutputStream block, String name, String value) {
    block.write(0x00); // literal header field without indexing, new name
    string(block, name);
    string(block, value);
  }

  private static void string(ByteArrayOutputStream block, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    block.write(bytes.length); // all under 127: one byte, no Huffman
    block.writeBytes(bytes);
  }
}
