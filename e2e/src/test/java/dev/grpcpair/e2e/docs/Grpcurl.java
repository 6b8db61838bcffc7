package dev.grpcpair.e2e.docs;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.ExtensionRegistry;
import com.google.protobuf.util.JsonFormat;
import dev.grpcpair.testing.Reflection;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the docs' {@code grpcurl} commands do, for machines without grpcurl (Debian has no package;
 * CI's machines reach no release page): the flags the docs use, the same calls through server
 * reflection, and grpcurl v1.9.1's output (JSON with two-space indents, {@code ERROR:} with Go's
 * code names, {@code list}, {@code describe} of a service, {@code -v}'s metadata, the 10-second
 * dial), and grpcurl's exit codes: 0, 1 for a bad command or a failed dial, 64 + the gRPC code for
 * a failed call. {@link GrpcurlOnPath} makes it the {@code grpcurl} of the docs' commands unless a
 * real grpcurl is given; the replays must pass with either.
 */
public final class Grpcurl {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String stdin;
  private final PrintStream out;
  private final List<String> headers = new ArrayList<>();
  private final List<String> positional = new ArrayList<>();
  private boolean plaintext;
  private boolean verbose;
  private String data;
  private File caCert;
  private File cert;
  private File key;

  /**
   * Runs one grpcurl command in {@code folder}: {@code args} as grpcurl takes them, {@code stdin}
   * for {@code -d @}, what grpcurl prints on its standard output and error to {@code out}; returns
   * its exit code.
   */
  static int run(Path folder, List<String> args, String stdin, PrintStream out) {
    try {
      return new Grpcurl(folder, args, stdin, out).run();
    } catch (Exception e) {
      out.println("grpcurl stand-in: " + e);
      return 1;
    }
  }

  private Grpcurl(Path folder, List<String> args, String stdin, PrintStream out) {
    this.stdin = stdin;
    this.out = out;
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "-plaintext" -> plaintext = true;
        case "-v" -> verbose = true;
        case "-d" -> data = args.get(++i);
        case "-H" -> headers.add(args.get(++i));
        case "-cacert" -> caCert = folder.resolve(args.get(++i)).toFile();
        case "-cert" -> cert = folder.resolve(args.get(++i)).toFile();
        case "-key" -> key = folder.resolve(args.get(++i)).toFile();
        default -> {
          if (args.get(i).startsWith("-")) {
            throw new IllegalArgumentException("the stand-in has no flag " + args.get(i));
          }
          positional.add(args.get(i));
        }
      }
    }
  }

  private int run() throws Exception {
    String target = positional.get(0);
    ManagedChannel channel = Grpc.newChannelBuilder(target, credentials()).build();
    try {
      // grpcurl dials first, blocking, for at most its -connect-timeout (10 s).
      if (!connected(channel, TimeUnit.SECONDS.toNanos(10))) {
        out.printf("Failed to dial target host \"%s\": context deadline exceeded%n", target);
        return 1;
      }
      String verb = positional.get(1);
      if (verb.equals("list")) {
        Reflection.listServices(channel).stream().sorted().forEach(out::println);
        return 0;
      }
      if (verb.equals("describe")) {
        out.print(describe(service(channel, positional.get(2))));
        return 0;
      }
      return call(channel, verb);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private ChannelCredentials credentials() throws IOException {
    if (plaintext) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
    if (caCert != null) {
      tls.trustManager(caCert);
    }
    if (cert != null) {
      tls.keyManager(cert, key);
    }
    return tls.build();
  }

  private static boolean connected(ManagedChannel channel, long timeoutNanos)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY && System.nanoTime() < deadline) {
      // A failed connection goes TRANSIENT_FAILURE then back to trying, as grpc-go's dial does.
      CountDownLatch latch = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, latch::countDown);
      latch.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      state = channel.getState(true);
    }
    return state == ConnectivityState.READY;
  }

  private static ServiceDescriptor service(ManagedChannel channel, String name) throws Exception {
    Map<String, FileDescriptorProto> files = new HashMap<>();
    for (FileDescriptorProto file : Reflection.filesContaining(channel, name)) {
      files.put(file.getName(), file);
    }
    Map<String, FileDescriptor> built = new HashMap<>();
    for (FileDescriptorProto file : files.values()) {
      ServiceDescriptor service =
          build(file, files, built).findServiceByName(name.substring(name.lastIndexOf('.') + 1));
      if (service != null && service.getFullName().equals(name)) {
        return service;
      }
    }
    throw new IllegalArgumentException("Symbol not found: " + name);
  }

  private static FileDescriptor build(
      FileDescriptorProto file,
      Map<String, FileDescriptorProto> files,
      Map<String, FileDescriptor> built)
      throws Exception {
    FileDescriptor done = built.get(file.getName());
    if (done != null) {
      return done;
    }
    List<FileDescriptor> dependencies = new ArrayList<>();
    for (String dependency : file.getDependencyList()) {
      dependencies.add(build(files.get(dependency), files, built));
    }
    // Parsed again with the http option known, so that describe can print it.
    ExtensionRegistry extensions = ExtensionRegistry.newInstance();
    AnnotationsProto.registerAllExtensions(extensions);
    FileDescriptorProto withOptions =
        FileDescriptorProto.parseFrom(file.toByteString(), extensions);
    FileDescriptor descriptor =
        FileDescriptor.buildFrom(withOptions, dependencies.toArray(FileDescriptor[]::new));
    built.put(file.getName(), descriptor);
    return descriptor;
  }

  /** What grpcurl's {@code describe} prints for a service. */
  private static String describe(ServiceDescriptor service) {
    StringBuilder text = new StringBuilder();
    text.append(service.getFullName()).append(" is a service:\n");
    text.append("service ").append(service.getName()).append(" {\n");
    for (MethodDescriptor method : service.getMethods()) {
      text.append("  rpc ").append(method.getName()).append(" ( ");
      text.append(method.isClientStreaming() ? "stream " : "");
      text.append('.').append(method.getInputType().getFullName()).append(" ) returns ( ");
      text.append(method.isServerStreaming() ? "stream " : "");
      text.append('.').append(method.getOutputType().getFullName()).append(" )");
      if (method.getOptions().hasExtension(AnnotationsProto.http)) {
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        if (!rule.hasGet()) {
          throw new IllegalArgumentException("the stand-in describes only GET rules: " + rule);
        }
        text.append(" {\n    option (.google.api.http) = { get: \"")
            .append(rule.getGet())
            .append("\" };\n  }\n");
      } else {
        text.append(";\n");
      }
    }
    return text.append("}\n").toString();
  }

  private int call(ManagedChannel channel, String fullMethod) throws Exception {
    String serviceName = fullMethod.substring(0, fullMethod.lastIndexOf('/'));
    MethodDescriptor method =
        service(channel, serviceName)
            .findMethodByName(fullMethod.substring(serviceName.length() + 1));
    Metadata metadata = new Metadata();
    for (String header : headers) {
      int colon = header.indexOf(':');
      metadata.put(
          Metadata.Key.of(header.substring(0, colon).trim(), Metadata.ASCII_STRING_MARSHALLER),
          header.substring(colon + 1).trim());
    }
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    ClientCall<DynamicMessage, DynamicMessage> call =
        ClientInterceptors.intercept(
                channel,
                MetadataUtils.newAttachHeadersInterceptor(metadata),
                MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers))
            .newCall(methodOf(method), CallOptions.DEFAULT);
    List<DynamicMessage> requests = requests(method.getInputType());
    Answers answers = new Answers();
    StreamObserver<DynamicMessage> sending = ClientCalls.asyncBidiStreamingCall(call, answers);
    requests.forEach(sending::onNext);
    sending.onCompleted();
    Status status = answers.await();

    if (verbose) {
      out.printf("%nResponse headers received:%n");
      printMetadata(responseHeaders.get());
      out.printf("%nResponse contents:%n");
    }
    for (DynamicMessage answer : answers.messages) {
      out.println(JsonFormat.printer().print(answer));
    }
    if (verbose) {
      out.printf("%nResponse trailers received:%n");
      printMetadata(trailers.get());
      out.printf(
          "Sent %d request%s and received %d response%s%n",
          requests.size(),
          requests.size() == 1 ? "" : "s",
          answers.messages.size(),
          answers.messages.size() == 1 ? "" : "s");
    }
    out.flush();
    if (!status.isOk()) {
      out.printf(
          "ERROR:%n  Code: %s%n  Message: %s%n", goName(status.getCode()), status.getDescription());
      return 64 + status.getCode().value();
    }
    return 0;
  }

  /** The answers of one call, and how it ended. */
  private static final class Answers implements StreamObserver<DynamicMessage> {
    final List<DynamicMessage> messages = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Status> end = new CompletableFuture<>();

    @Override
    public void onNext(DynamicMessage message) {
      messages.add(message);
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }

    Status await() throws Exception {
      return end.get(30, TimeUnit.SECONDS);
    }
  }

  private static io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> methodOf(
      MethodDescriptor method) {
    return io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
        .setType(
            method.isClientStreaming()
                ? (method.isServerStreaming()
                    ? io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING
                    : io.grpc.MethodDescriptor.MethodType.CLIENT_STREAMING)
                : (method.isServerStreaming()
                    ? io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING
                    : io.grpc.MethodDescriptor.MethodType.UNARY))
        .setFullMethodName(
            io.grpc.MethodDescriptor.generateFullMethodName(
                method.getService().getFullName(), method.getName()))
        .setRequestMarshaller(
            ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
        .setResponseMarshaller(
            ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
        .build();
  }

  /** The request messages of {@code -d}: JSON objects one after another; none without it. */
  private List<DynamicMessage> requests(Descriptor type) throws IOException {
    String text = data == null ? "{}" : data.equals("@") ? stdin : data;
    List<DynamicMessage> requests = new ArrayList<>();
    try (MappingIterator<JsonNode> objects = JSON.readerFor(JsonNode.class).readValues(text)) {
      while (objects.hasNext()) {
        DynamicMessage.Builder request = DynamicMessage.newBuilder(type);
        JsonFormat.parser().merge(objects.next().toString(), request);
        requests.add(request.build());
      }
    }
    return requests;
  }

  private void printMetadata(Metadata metadata) {
    if (metadata == null || metadata.keys().isEmpty()) {
      out.println("(empty)");
      return;
    }
    for (String name : metadata.keys()) {
      if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        continue;
      }
      for (String value :
          metadata.getAll(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER))) {
        out.println(name + ": " + value);
      }
    }
  }

  /** Go's name of a code, as grpcurl prints it: {@code NOT_FOUND} is {@code NotFound}. */
  static String goName(Status.Code code) {
    if (code == Status.Code.CANCELLED) {
      return "Canceled";
    }
    StringBuilder name = new StringBuilder();
    for (String word : code.name().split("_")) {
      name.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
    }
    return name.toString();
  }
}
