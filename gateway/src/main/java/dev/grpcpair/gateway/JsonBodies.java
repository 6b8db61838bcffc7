package dev.grpcpair.gateway;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/**
 * Messages to and from JSON as grpc-gateway v2's default marshaler does (protojson with {@code
 * EmitUnpopulated}, {@code DiscardUnknown}): lowerCamelCase names, fields at their default value
 * written out ({@code "age": 0}), a message field that is not set written as {@code null}, and
 * unknown fields of a request body ignored.
 */
final class JsonBodies {

  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().includingDefaultValueFields().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

  private JsonBodies() {}

  static String print(Message message) throws InvalidProtocolBufferException {
    String json = PRINTER.print(message);
    if (!hasUnsetMessage(message)) {
      return json;
    }
    // JsonFormat leaves unset message fields out where protojson writes null: added here, on
    // the rare answer that has one.
    JsonObject tree = JsonParser.parseString(json).getAsJsonObject();
    addNulls(message, tree);
    return tree.toString();
  }

  static void merge(String json, Message.Builder into) throws InvalidProtocolBufferException {
    PARSER.merge(json, into);
  }

  private static boolean hasUnsetMessage(Message message) {
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isMapField()) {
        continue;
      }
      if (field.isRepeated()) {
        for (int i = 0; i < message.getRepeatedFieldCount(field); i++) {
          if (hasUnsetMessage((Message) message.getRepeatedField(field, i))) {
            return true;
          }
        }
      } else if (field.getRealContainingOneof() == null) {
        if (!message.hasField(field) || hasUnsetMessage((Message) message.getField(field))) {
          return true;
        }
      }
    }
    return false;
  }

  private static void addNulls(Message message, JsonObject json) {
    for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
      if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE
          || field.isMapField()
          || field.getRealContainingOneof() != null
          || isWellKnown(field)) {
        continue;
      }
      if (field.isRepeated()) {
        var array = json.getAsJsonArray(field.getJsonName());
        for (int i = 0; array != null && i < message.getRepeatedFieldCount(field); i++) {
          JsonElement element = array.get(i);
          if (element.isJsonObject()) {
            addNulls((Message) message.getRepeatedField(field, i), element.getAsJsonObject());
          }
        }
      } else if (!message.hasField(field)) {
        json.add(field.getJsonName(), JsonNull.INSTANCE);
      } else if (json.get(field.getJsonName()) instanceof JsonObject nested) {
        addNulls((Message) message.getField(field), nested);
      }
    }
  }

  /** Well-known types (Timestamp, wrappers, ...) have JSON forms of their own; left as written. */
  private static boolean isWellKnown(FieldDescriptor field) {
    return field.getMessageType().getFullName().startsWith("google.protobuf.");
  }
}
