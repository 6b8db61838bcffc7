package dev.grpcpair.gateway;

import com.google.api.HttpRule;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;

/**
 * One {@code google.api.http} rule: an HTTP method and path template, the unary gRPC method it
 * calls, and the channel that reaches the server of that method.
 */
record Route(
    String httpMethod,
    PathTemplate path,
    MethodDescriptor<Message, Message> method,
    String body,
    Channel channel) {

  /**
   * The route of {@code rule} for {@code method}.
   *
   * @throws IllegalArgumentException for a rule the gateway cannot serve, naming the method
   */
  static Route of(HttpRule rule, MethodDescriptor<Message, Message> method, Channel channel) {
    String where = method.getFullMethodName() + "'s google.api.http rule";
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      throw new IllegalArgumentException(where + ": only unary methods have HTTP routes here");
    }
    if (!rule.getAdditionalBindingsList().isEmpty() || !rule.getResponseBody().isEmpty()) {
      throw new IllegalArgumentException(
          where + ": additional_bindings and response_body are not supported");
    }
    String path =
        switch (rule.getPatternCase()) {
          case GET -> rule.getGet();
          case POST -> rule.getPost();
          case PUT -> rule.getPut();
          case PATCH -> rule.getPatch();
          case DELETE -> rule.getDelete();
          default -> throw new IllegalArgumentException(where + ": no HTTP method and path");
        };
    // The pattern's name is the HTTP method's: GET, POST, PUT, PATCH, DELETE.
    String httpMethod = rule.getPatternCase().name();
    PathTemplate template;
    try {
      template = PathTemplate.parse(path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    Descriptor request = requestType(method);
    for (String field : template.fields()) {
      FieldDescriptor found = request.findFieldByName(field);
      if (found == null
          || found.isRepeated()
          || found.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        throw new IllegalArgumentException(
            where + ": {" + field + "} is not a singular scalar field of " + request.getFullName());
      }
    }
    if (!rule.getBody().isEmpty() && !rule.getBody().equals("*")) {
      throw new IllegalArgumentException(where + ": body must be \"*\" or left out");
    }
    return new Route(httpMethod, template, method, rule.getBody(), channel);
  }

  /** The protobuf type of the method's request. */
  static Descriptor requestType(MethodDescriptor<?, ?> method) {
    return ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor())
        .getMethodDescriptor()
        .getInputType();
  }

  /** An empty request message to fill. */
  Message.Builder newRequest() {
    return ((MethodDescriptor.PrototypeMarshaller<Message>) method.getRequestMarshaller())
        .getMessagePrototype()
        .newBuilderForType();
  }

  /** {@code v2.user.User.GetUser}: how OpenAPI and grpc-gateway name the operation. */
  String operationId() {
    return method.getFullMethodName().replace('/', '.');
  }
}
