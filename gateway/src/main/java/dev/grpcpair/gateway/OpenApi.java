package dev.grpcpair.gateway;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import dev.grpcpair.common.config.ProjectVersion;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An OpenAPI 3 document of every route the gateway serves, made from the same descriptors and
 * {@code google.api.http} rules that route its requests, so it cannot drift from them: paths, path
 * and query parameters, and each message's JSON shape (field names as the gateway writes them),
 * with grpc-gateway's error body for every failure.
 */
final class OpenApi {

  private OpenApi() {}

  /** The document of {@code routes}, as JSON text. */
  static String document(List<Route> routes) {
    JsonObject paths = new JsonObject();
    Set<Descriptor> messages = new LinkedHashSet<>();
    for (Route route : routes) {
      MethodDescriptor method =
          ((ProtoMethodDescriptorSupplier) route.method().getSchemaDescriptor())
              .getMethodDescriptor();
      String path = route.path().openApiPath();
      JsonObject item = paths.has(path) ? paths.getAsJsonObject(path) : new JsonObject();
      item.add(route.httpMethod().toLowerCase(Locale.ROOT), operation(method, route));
      paths.add(path, item);
      messages.add(method.getOutputType());
      if (!route.body().isEmpty()) {
        messages.add(method.getInputType());
      }
    }
    JsonObject schemas = new JsonObject();
    Deque<Descriptor> toDescribe = new ArrayDeque<>(messages);
    while (!toDescribe.isEmpty()) {
      Descriptor message = toDescribe.pop();
      if (!schemas.has(message.getFullName())) {
        schemas.add(message.getFullName(), schema(message, toDescribe));
      }
    }
    schemas.add("google.rpc.Status", errorSchema());
    JsonObject info = new JsonObject();
    info.addProperty("title", "grpc-pair gateway");
    info.addProperty("version", ProjectVersion.get());
    JsonObject components = new JsonObject();
    components.add("schemas", schemas);
    JsonObject document = new JsonObject();
    document.addProperty("openapi", "3.0.3");
    document.add("info", info);
    document.add("paths", paths);
    document.add("components", components);
    return document.toString();
  }

  private static JsonObject operation(MethodDescriptor method, Route route) {
    List<String> inPath = route.path().fields();
    boolean body = !route.body().isEmpty();
    JsonArray parameters = new JsonArray();
    for (FieldDescriptor field : method.getInputType().getFields()) {
      boolean path = inPath.contains(field.getName());
      // The other fields come from the query (scalars only, as grpc-gateway reads them), or
      // from the body where the rule says body: "*".
      if (path || (!body && field.getJavaType() != FieldDescriptor.JavaType.MESSAGE)) {
        JsonObject parameter = new JsonObject();
        parameter.addProperty("name", path ? field.getName() : field.getJsonName());
        parameter.addProperty("in", path ? "path" : "query");
        parameter.addProperty("required", path);
        parameter.add("schema", type(field, null));
        parameters.add(parameter);
      }
    }
    JsonObject operation = new JsonObject();
    operation.addProperty("operationId", method.getFullName());
    operation.add("parameters", parameters);
    if (body) {
      operation.add(
          "requestBody", content("#/components/schemas/" + method.getInputType().getFullName()));
    }
    JsonObject responses = new JsonObject();
    responses.add("200", response("A successful answer", method.getOutputType().getFullName()));
    responses.add("default", response("An error, as grpc-gateway writes it", "google.rpc.Status"));
    operation.add("responses", responses);
    return operation;
  }

  private static JsonObject response(String description, String schema) {
    JsonObject response = content("#/components/schemas/" + schema);
    response.addProperty("description", description);
    return response;
  }

  /** {@code {"content": {"application/json": {"schema": {"$ref": ref}}}}}. */
  private static JsonObject content(String ref) {
    JsonObject schema = new JsonObject();
    schema.addProperty("$ref", ref);
    JsonObject json = new JsonObject();
    json.add("schema", schema);
    JsonObject content = new JsonObject();
    content.add("application/json", json);
    JsonObject wrapper = new JsonObject();
    wrapper.add("content", content);
    return wrapper;
  }

  private static JsonObject schema(Descriptor message, Deque<Descriptor> toDescribe) {
    JsonObject properties = new JsonObject();
    for (FieldDescriptor field : message.getFields()) {
      JsonObject type = type(field, toDescribe);
      if (field.isRepeated()) {
        JsonObject array = new JsonObject();
        array.addProperty("type", "array");
        array.add("items", type);
        type = array;
      }
      properties.add(field.getJsonName(), type);
    }
    JsonObject schema = new JsonObject();
    schema.addProperty("type", "object");
    schema.add("properties", properties);
    return schema;
  }

  /** A field's JSON type as protobuf's JSON mapping writes it (64-bit integers as strings). */
  private static JsonObject type(FieldDescriptor field, Deque<Descriptor> toDescribe) {
    JsonObject type = new JsonObject();
    switch (field.getJavaType()) {
      case INT -> {
        type.addProperty("type", "integer");
        type.addProperty("format", "int32");
      }
      case LONG -> {
        type.addProperty("type", "string");
        type.addProperty("format", "int64");
      }
      case FLOAT, DOUBLE -> type.addProperty("type", "number");
      case BOOLEAN -> type.addProperty("type", "boolean");
      case BYTE_STRING -> {
        type.addProperty("type", "string");
        type.addProperty("format", "byte");
      }
      case ENUM -> {
        type.addProperty("type", "string");
        JsonArray values = new JsonArray();
        for (EnumValueDescriptor value : field.getEnumType().getValues()) {
          values.add(value.getName());
        }
        type.add("enum", values);
      }
      case MESSAGE -> {
        if (toDescribe != null) {
          toDescribe.add(field.getMessageType());
        }
        type.addProperty("$ref", "#/components/schemas/" + field.getMessageType().getFullName());
      }
      default -> type.addProperty("type", "string");
    }
    return type;
  }

  private static JsonObject errorSchema() {
    JsonObject code = new JsonObject();
    code.addProperty("type", "integer");
    code.addProperty("format", "int32");
    JsonObject message = new JsonObject();
    message.addProperty("type", "string");
    JsonObject details = new JsonObject();
    details.addProperty("type", "array");
    details.add("items", new JsonObject());
    JsonObject properties = new JsonObject();
    properties.add("code", code);
    properties.add("message", message);
    properties.add("details", details);
    JsonObject schema = new JsonObject();
    schema.addProperty("type", "object");
    schema.add("properties", properties);
    return schema;
  }
}
