package dev.grpcpair.testing;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * HTTP/2 frames written by hand on a socket: what a hostile or broken client sends, which no grpc
 * or HTTP client can be made to (a receive window of 0, a stream reset as soon as it is opened, a
 * unary call without a request, HTTP/1.1's headers on a stream). It reads nothing unless asked to.
 */
public final class RawHttp2Client implements AutoCloseable {

  private static final int HEADERS = 0x1;
  private static final int DATA = 0x0;
  private static final int PRIORITY = 0x2;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int CONTINUATION = 0x9;
  private static final int ACK = 0x1;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;

  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;
  private int nextStream = 1;

  private RawHttp2Client(Socket socket) throws IOException {
    this.socket = socket;
    // A frame sent after an answer is awaited must not wait for Nagle's algorithm (40 ms a time).
    socket.setTcpNoDelay(true);
    this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects and sends the preface and SETTINGS: the server's defaults for every stream. */
  public static RawHttp2Client connect(int port) throws IOException {
    return connect(port, new byte[0]);
  }

  /**
   * Connects with a receive window of 0 for every stream: the server may send headers, never a
   * message, so each answer stays queued in the server until the connection ends.
   */
  public static RawHttp2Client neverReading(int port) throws IOException {
    return connect(port, new byte[] {0, SETTINGS_INITIAL_WINDOW_SIZE, 0, 0, 0, 0});
  }

  /**
   * Connects with a socket receive buffer of {@code bytes}: what the server sends and this client
   * does not read backs up in the server after little more than its own send buffer.
   */
  public static RawHttp2Client withReceiveBuffer(int port, int bytes) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(bytes);
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return start(socket, new byte[0]);
  }

  private static RawHttp2Client connect(int port, byte[] settings) throws IOException {
    return start(new Socket(InetAddress.getLoopbackAddress(), port), settings);
  }

  private static RawHttp2Client start(Socket socket, byte[] settings) throws IOException {
    RawHttp2Client client = new RawHttp2Client(socket);
    client.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(US_ASCII));
    client.frame(SETTINGS, 0, 0, settings);
    return client;
  }

  /**
   * Opens a stream for {@code method} ({@code /package.Service/Method}) and sends {@code request}
   * as its one message, ending the stream; returns the stream's id. Buffered until {@link #flush}.
   */
  public int call(String method, byte[] request) throws IOException {
    int stream = open(method, false);
    byte[] message = new byte[5 + request.length];
    message[1] = (byte) (request.length >>> 24);
    message[2] = (byte) (request.length >>> 16);
    message[3] = (byte) (request.length >>> 8);
    message[4] = (byte) request.length;
    System.arraycopy(request, 0, message, 5, request.length);
    frame(DATA, END_STREAM, stream, message);
    return stream;
  }

  /**
   * Opens a stream for {@code method} whose one message claims {@code length} bytes in its prefix
   * and carries none, ending the stream.
   */
  public int callClaiming(String method, int length) throws IOException {
    int stream = open(method, false);
    frame(
        DATA,
        END_STREAM,
        stream,
        new byte[] {
          0, (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length
        });
    return stream;
  }

  /**
   * Opens a stream with {@code method} and {@code path} and one more header as given, HTTP/2's own
   * rules aside (a connection-specific header, a content-length); returns the stream's id.
   */
  public int request(String method, String path, String name, String value, boolean endStream)
      throws IOException {
    String[][] headers = {
      {":method", method},
      {":scheme", "http"},
      {":path", path},
      {":authority", "localhost"},
      {name, value},
    };
    return open(headerBlock(headers), endStream);
  }

  /** Sends {@code payload} as one DATA frame on {@code stream}, ending it. */
  public void data(int stream, byte[] payload) throws IOException {
    frame(DATA, END_STREAM, stream, payload);
  }

  /**
   * Reads frames until the server resets a stream or the connection; returns the error code of that
   * RST_STREAM or GOAWAY. Fails if the server answers with headers or data instead, or closes the
   * connection without either.
   */
  public int readResetCode() throws IOException {
    while (true) {
      Frame frame = readFrame();
      if (frame.type == RST_STREAM) {
        return frame.intAt(0);
      }
      if (frame.type == GOAWAY) {
        return frame.intAt(4); // after the last stream id
      }
      if (frame.type == HEADERS || frame.type == DATA) {
        throw new IllegalStateException("the server answered the stream instead of resetting it");
      }
    }
  }

  /**
   * Reads frames until the server's GOAWAY, for at most {@code within}; returns its error code and
   * debug data. Fails if the connection closes or the time passes first.
   */
  public GoAway readGoAway(Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    while (true) {
      Frame frame = readFrame();
      if (frame.type == GOAWAY) {
        String debugData = new String(frame.payload, 8, frame.payload.length - 8, US_ASCII);
        return new GoAway(frame.intAt(4), debugData);
      }
    }
  }

  /** Reads frames until the server's HEADERS on {@code stream}, for at most {@code within}. */
  public void readHeaders(int stream, Duration within) throws IOException {
    readHeaderBlock(stream, within);
  }

  /**
   * Reads frames until the server's HEADERS on {@code stream}, for at most {@code within}, and
   * returns their header block as HPACK encoded it (one frame: a gRPC server's headers fit).
   */
  public byte[] readHeaderBlock(int stream, Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    Frame frame;
    do {
      frame = readFrame();
    } while (frame.type != HEADERS || frame.stream != stream);
    return frame.payload;
  }

  /**
   * How HPACK writes {@code name} as a header that is never to be indexed, its name not in any
   * table and not Huffman-coded (RFC 7541, section 6.2.3): what precedes the value.
   */
  public static byte[] neverIndexedName(String name) {
    byte[] bytes = name.getBytes(US_ASCII);
    byte[] literal = new byte[2 + bytes.length];
    literal[0] = 0x10;
    literal[1] = (byte) bytes.length;
    System.arraycopy(bytes, 0, literal, 2, bytes.length);
    return literal;
  }

  /**
   * Reads frames until the server has sent HEADERS on each of {@code streams}, for at most {@code
   * within}: it has begun every answer (HEADERS are not flow-controlled, so they come though the
   * streams' windows are 0).
   */
  public void readHeadersOf(Collection<Integer> streams, Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    Set<Integer> waiting = new HashSet<>(streams);
    while (!waiting.isEmpty()) {
      Frame frame = readFrame();
      if (frame.type == HEADERS) {
        waiting.remove(frame.stream);
      }
    }
  }

  /**
   * Reads frames until the server has ended {@code count} streams (END_STREAM, or RST_STREAM), for
   * at most {@code within}; returns their ids in the order they ended.
   */
  public List<Integer> readEndedStreams(int count, Duration within) throws IOException {
    return readEndings(count, within).stream().map(Ending::stream).toList();
  }

  /**
   * Reads frames until the server has ended {@code count} streams, for at most {@code within};
   * returns how each ended, in that order.
   */
  public List<Ending> readEndings(int count, Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    List<Ending> ended = new ArrayList<>();
    while (ended.size() < count) {
      Frame frame = readFrame();
      boolean reset = frame.type == RST_STREAM;
      boolean ends =
          reset || (frame.type == HEADERS || frame.type == DATA) && (frame.flags & END_STREAM) != 0;
      if (ends && frame.stream != 0) {
        ended.add(new Ending(frame.stream, reset));
      }
    }
    return ended;
  }

  /** A stream's end: its answer's END_STREAM, or the server's RST_STREAM ({@code reset}). */
  public record Ending(int stream, boolean reset) {}

  /** A GOAWAY frame's error code (RFC 9113, section 7) and debug data. */
  public record GoAway(int code, String debugData) {}

  /**
   * Opens a stream for {@code method} and sends nothing more: a call open, waiting for its request.
   */
  public int openCall(String method) throws IOException {
    return open(method, false);
  }

  /**
   * Lets the server send as much as it likes on the connection (its whole window, 2 GiB): this
   * client never updates the connection's window as it reads, so after 64 KiB of answers the server
   * would wait. Buffered.
   */
  public void openConnectionWindow() throws IOException {
    windowUpdate(0, Integer.MAX_VALUE - 65_535);
  }

  /**
   * Sends a PRIORITY frame for {@code stream} (opened or not), depending on the connection with the
   * default weight: nothing the server answers. Buffered.
   */
  public void priority(int stream) throws IOException {
    frame(PRIORITY, 0, stream, new byte[] {0, 0, 0, 0, 15});
  }

  /**
   * Sends a WINDOW_UPDATE of {@code increment} for {@code stream} (0: the connection). Buffered.
   */
  public void windowUpdate(int stream, int increment) throws IOException {
    frame(
        WINDOW_UPDATE,
        0,
        stream,
        new byte[] {
          (byte) (increment >>> 24),
          (byte) (increment >>> 16),
          (byte) (increment >>> 8),
          (byte) increment
        });
  }

  /**
   * Sends a PING and reads until its acknowledgement, for at most {@code within}: the server has
   * read everything sent before it.
   */
  public void awaitPingAck(Duration within) throws IOException {
    byte[] payload = {'r', 'o', 'u', 'n', 'd', 't', 'r', 'p'};
    frame(PING, 0, 0, payload);
    out.flush();
    socket.setSoTimeout((int) within.toMillis());
    Frame frame;
    do {
      frame = readFrame();
    } while (frame.type != PING
        || (frame.flags & ACK) == 0
        || !Arrays.equals(frame.payload, payload));
  }

  /** Sends an empty SETTINGS frame, which the server must acknowledge. Buffered. */
  public void settings() throws IOException {
    frame(SETTINGS, 0, 0, new byte[0]);
  }

  /** Sends a PING, as keepalive does. Buffered until {@link #flush}. */
  public void ping() throws IOException {
    frame(PING, 0, 0, new byte[8]);
  }

  /**
   * Opens a stream for {@code method} whose header block is not ended (HEADERS without
   * END_HEADERS), for {@link #continuation}s to follow; returns the stream's id.
   */
  public int openUnfinished(String method) throws IOException {
    int stream = nextStream;
    nextStream += 2;
    frame(HEADERS, 0, stream, requestHeaders(method));
    return stream;
  }

  /** Sends {@code fragment} as a CONTINUATION of {@code stream}'s header block, not its last. */
  public void continuation(int stream, byte[] fragment) throws IOException {
    frame(CONTINUATION, 0, stream, fragment);
  }

  /** Opens a stream for {@code method} and ends it at once: a call without a request message. */
  public int callWithoutRequest(String method) throws IOException {
    return open(method, true);
  }

  /** Opens a stream for {@code method} and resets it at once (rapid reset). */
  public void openAndReset(String method) throws IOException {
    reset(open(method, false));
  }

  /** Resets {@code stream} (CANCEL), as a client that no longer wants its answer. */
  public void reset(int stream) throws IOException {
    frame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, 8});
  }

  public void flush() throws IOException {
    out.flush();
  }

  /**
   * Behaves as a live client that never calls: acknowledges the server's SETTINGS and answers its
   * PINGs (keepalive's, and those of a graceful GOAWAY) until the server closes the connection,
   * which is when this returns. A GOAWAY is not a reason to leave.
   */
  public void answerPingsUntilClosed() {
    try {
      while (true) {
        Frame frame = readFrame();
        if ((frame.flags & ACK) == 0 && (frame.type == SETTINGS || frame.type == PING)) {
          frame(frame.type, ACK, 0, frame.type == PING ? frame.payload : new byte[0]);
          out.flush();
        }
      }
    } catch (IOException e) {
      // the end of the stream, or a reset: closed either way
    }
  }

  /** Frames a flood writes, buffered. */
  @FunctionalInterface
  public interface Flood {
    void send(RawHttp2Client client) throws IOException;
  }

  /**
   * Sends {@code flood} and reads until the server closes the connection: returns once it has, or
   * has reset it while the flood was still being sent; fails if it has not closed it {@code within}
   * (a {@link java.net.SocketTimeoutException}).
   */
  public void floodUntilClosed(Flood flood, Duration within) throws IOException {
    try {
      flood.send(this);
      flush();
      readUntilClosed(within);
    } catch (SocketException closedByTheServer) {
      // Closed while frames were still being sent, or with some unread.
    }
  }

  /**
   * Reads until the server closes the connection; fails if it resets it, or has not closed it
   * {@code within} (a {@link java.net.SocketTimeoutException}).
   */
  public void readUntilClosed(Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    byte[] discarded = new byte[16 * 1024];
    while (in.read(discarded) >= 0) {
      // what the server sent is not looked at
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int open(String method, boolean endStream) throws IOException {
    return open(requestHeaders(method), endStream);
  }

  private int open(byte[] headerBlock, boolean endStream) throws IOException {
    int stream = nextStream;
    nextStream += 2;
    frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, headerBlock);
    return stream;
  }

  private record Frame(int type, int flags, int stream, byte[] payload) {
    int intAt(int at) {
      return (payload[at] & 0xff) << 24
          | (payload[at + 1] & 0xff) << 16
          | (payload[at + 2] & 0xff) << 8
          | payload[at + 3] & 0xff;
    }
  }

  private Frame readFrame() throws IOException {
    int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    return new Frame(type, flags, stream, payload);
  }

  /** An HTTP/2 frame: 24-bit length, type, flags, stream id, payload. */
  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    out.writeByte(payload.length >>> 16);
    out.writeShort(payload.length & 0xFFFF);
    out.writeByte(type);
    out.writeByte(flags);
    out.writeInt(stream);
    out.write(payload);
  }

  /** A gRPC request's headers. */
  private static byte[] requestHeaders(String path) {
    return headerBlock(
        new String[][] {
          {":method", "POST"},
          {":scheme", "http"},
          {":path", path},
          {":authority", "localhost"},
          {"content-type", "application/grpc"},
          {"te", "trailers"},
        });
  }

  /** HPACK literals without indexing (no Huffman coding); every name and value under 128 bytes. */
  private static byte[] headerBlock(String[][] headers) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    for (String[] header : headers) {
      block.write(0x00);
      for (String part : header) {
        byte[] bytes = part.getBytes(US_ASCII);
        block.write(bytes.length);
        block.write(bytes, 0, bytes.length);
      }
    }
    return block.toByteArray();
  }
}
