package dev.jrunc.shim.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;

import dev.jrunc.shim.proto.events.TaskCheckpointed;
import dev.jrunc.shim.proto.events.TaskCreate;
import dev.jrunc.shim.proto.events.TaskDelete;
import dev.jrunc.shim.proto.events.TaskExecAdded;
import dev.jrunc.shim.proto.events.TaskExecStarted;
import dev.jrunc.shim.proto.events.TaskExit;
import dev.jrunc.shim.proto.events.TaskOOM;
import dev.jrunc.shim.proto.events.TaskPaused;
import dev.jrunc.shim.proto.events.TaskResumed;
import dev.jrunc.shim.proto.events.TaskStart;
import dev.jrunc.testkit.proto.ContainerCreate;
import dev.jrunc.testkit.proto.ContainerDelete;
import dev.jrunc.testkit.proto.ContainerUpdate;
import dev.jrunc.testkit.proto.Envelope;

/**
 * One line of text per event, with exactly the fields its publisher put on the wire, and with what must differ
 * between two runs replaced by placeholders, so that two runs' lines can be compared with {@code equals}:
 * <pre>
 *   /tasks/exit containerd.events.TaskExit {container_id=&lt;id&gt;, id=&lt;id&gt;, pid=&lt;pid1&gt;, exit_status=3, exited_at=&lt;time1&gt;}
 * </pre>
 * <ul>
 *   <li>the container id of the run → {@code <id>} (wherever it appears, e.g. inside the bundle path);</li>
 *   <li>pids → {@code <pid1>}, {@code <pid2>}, … in order of first appearance, so that "the same process" stays
 *       visible (the init's pid in /tasks/create, /tasks/start, /tasks/exit and /tasks/delete);</li>
 *   <li>timestamps → {@code <time1>}, … the same way; Go's zero time (what a shim sends for "not exited") →
 *       {@code <zero time>};</li>
 *   <li>ctr's stdio FIFO folders ({@code /run/containerd/fifo/<random>/}) → {@code <fifo dir>/}.</li>
 * </ul>
 * A field is shown when it is on the wire: for proto3 scalars that is "set to something other than the default"
 * (neither Go nor Java protobuf writes a default), for messages (timestamps, TaskIO) it is presence itself.
 * Fields our definitions do not know are shown by number, so nothing a publisher sends is hidden.
 */
final class EventText {
    static final String GO_ZERO_TIME_SECONDS = "-62135596800";

    private static final Map<String, Descriptor> KNOWN = new HashMap<>();

    static {
        for (Message m : List.<Message>of(TaskCreate.getDefaultInstance(), TaskStart.getDefaultInstance(),
                TaskDelete.getDefaultInstance(), TaskExit.getDefaultInstance(), TaskOOM.getDefaultInstance(),
                TaskExecAdded.getDefaultInstance(), TaskExecStarted.getDefaultInstance(), TaskPaused.getDefaultInstance(),
                TaskResumed.getDefaultInstance(), TaskCheckpointed.getDefaultInstance(), ContainerCreate.getDefaultInstance(),
                ContainerUpdate.getDefaultInstance(), ContainerDelete.getDefaultInstance())) {
            KNOWN.put(m.getDescriptorForType().getFullName(), m.getDescriptorForType());
        }
    }

    private final String containerId;
    private final Map<String, String> replacedFields;
    private final Map<Long, String> pids = new HashMap<>();
    private final Map<String, String> times = new HashMap<>();

    /**
     * @param containerId    the run's container id
     * @param replacedFields "message.field" → the text shown instead of its value (a deliberate difference, e.g.
     *                       the runtime name a client chose)
     */
    EventText(String containerId, Map<String, String> replacedFields) {
        this.containerId = containerId;
        this.replacedFields = replacedFields;
    }

    String line(Envelope envelope) {
        Any event = envelope.getEvent();
        Descriptor type = KNOWN.get(event.getTypeUrl());
        String body;
        if (type == null) {
            body = event.getValue().size() + " bytes we cannot decode";
        } else {
            try {
                body = message(DynamicMessage.parseFrom(type, event.getValue()));
            } catch (InvalidProtocolBufferException e) {
                body = "not a valid " + type.getFullName() + ": " + e.getMessage();
            }
        }
        return envelope.getTopic() + " " + text(event.getTypeUrl()) + " " + body;
    }

    /**
     * A command line or ctr's output, with the same placeholders. In terminal runs a NUL byte reaches the terminal
     * from the client's side (ctr under script(1)), and the terminal echoes it as {@code ^@} at a moment that varies
     * with scheduling, not with the shim: before or after the container's own output. It goes.
     */
    String text(String s) {
        return s.replace("^@", "").replace(containerId, "<id>")
                .replaceAll("/run/containerd/fifo/[0-9]+/", "<fifo dir>/")
                .replaceAll("time=\"[^\"]*\"", "time=<time>");
    }

    private String message(Message message) {
        Map<Integer, String> fields = new TreeMap<>();
        for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
            FieldDescriptor descriptor = field.getKey();
            String replaced = replacedFields.get(descriptor.getContainingType().getName() + "." + descriptor.getName());
            fields.put(descriptor.getNumber(), descriptor.getName() + "="
                    + (replaced != null ? replaced : value(descriptor, field.getValue())));
        }
        for (Map.Entry<Integer, UnknownFieldSet.Field> unknown : message.getUnknownFields().asMap().entrySet()) {
            fields.put(unknown.getKey(), "#" + unknown.getKey() + "=" + unknown.getValue().toString().strip());
        }
        return "{" + String.join(", ", fields.values()) + "}";
    }

    private String value(FieldDescriptor field, Object value) {
        if (field.isRepeated()) {
            List<String> items = new ArrayList<>();
            for (Object item : (List<?>) value) {
                items.add(single(field, item));
            }
            return items.toString();
        }
        return single(field, value);
    }

    private String single(FieldDescriptor field, Object value) {
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            Message nested = (Message) value;
            String type = nested.getDescriptorForType().getFullName();
            if (type.equals(Timestamp.getDescriptor().getFullName())) {
                return time(nested);
            }
            if (type.equals(Any.getDescriptor().getFullName())) {
                return "Any(" + nested.getField(Any.getDescriptor().findFieldByName("type_url")) + ")";
            }
            return message(nested);
        }
        if (field.getName().equals("pid")) {
            return pids.computeIfAbsent(((Number) value).longValue(), p -> "<pid" + (pids.size() + 1) + ">");
        }
        if (value instanceof String s) {
            return text(s);
        }
        return String.valueOf(value);
    }

    private String time(Message timestamp) {
        Timestamp t;
        try {
            t = Timestamp.parseFrom(timestamp.toByteString());
        } catch (InvalidProtocolBufferException e) {
            return "<bad timestamp>";
        }
        if (Long.toString(t.getSeconds()).equals(GO_ZERO_TIME_SECONDS) && t.getNanos() == 0) {
            return "<zero time>";
        }
        return times.computeIfAbsent(t.getSeconds() + "." + t.getNanos(), k -> "<time" + (times.size() + 1) + ">");
    }
}
