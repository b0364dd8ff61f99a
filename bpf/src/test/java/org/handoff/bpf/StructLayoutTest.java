package org.handoff.bpf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JNA structs against the C compiler's view of libbpf's headers: every size (libbpf
 * checks {@code sz}) and the offset of every field, so a libbpf upgrade that moves one fails
 * here rather than corrupting a call. Needs clang and libbpf-dev (scripts/install-deps.sh).
 */
class StructLayoutTest {
    final ProcessRunner runner = new ProcessRunner().timeLimit(Duration.ofSeconds(60));

    @Test
    void everyOptsStructMatchesLibbpfsHeaders(@TempDir Path dir) throws Exception {
        Map<String, Libbpf.Opts> structs = new LinkedHashMap<>();
        structs.put("bpf_object_open_opts", new Libbpf.ObjectOpenOpts());
        structs.put("bpf_tc_hook", new Libbpf.TcHook());
        structs.put("bpf_tc_opts", new Libbpf.TcOpts());
        structs.put("bpf_xdp_attach_opts", new Libbpf.XdpAttachOpts());
        structs.put("bpf_test_run_opts", new Libbpf.TestRunOpts());

        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include <bpf/libbpf.h>\n#include <bpf/bpf.h>\n"
                + "#include <linux/bpf.h>\nint main(void) {\n");
        StringBuilder expected = new StringBuilder();
        for (Map.Entry<String, Libbpf.Opts> e : structs.entrySet()) {
            String name = e.getKey();
            Libbpf.Opts s = e.getValue();
            c.append("  printf(\"").append(name).append(" size %zu\\n\", sizeof(struct ").append(name).append("));\n");
            expected.append(name).append(" size ").append(s.size()).append('\n');
            for (String field : s.fields()) {
                if (field.startsWith("unused_")) {
                    continue; // an unnamed bit-field in C: no offsetof
                }
                c.append("  printf(\"").append(name).append('.').append(field).append(" %zu\\n\", offsetof(struct ")
                        .append(name).append(", ").append(field).append("));\n");
                expected.append(name).append('.').append(field).append(' ').append(s.offsetOf(field)).append('\n');
            }
        }
        c.append("  printf(\"bpf_prog_info size %zu\\nbpf_prog_info.id %zu\\nbpf_prog_info.name %zu\\n\", sizeof(struct bpf_prog_info),"
                + " offsetof(struct bpf_prog_info, id), offsetof(struct bpf_prog_info, name));\n");
        expected.append("bpf_prog_info size ").append(Libbpf.BPF_PROG_INFO_SIZE).append("\nbpf_prog_info.id ")
                .append(Libbpf.BPF_PROG_INFO_ID_OFFSET).append("\nbpf_prog_info.name ").append(Libbpf.BPF_PROG_INFO_NAME_OFFSET)
                .append('\n');
        c.append("  return 0;\n}\n");

        Path source = dir.resolve("layout.c");
        Path binary = dir.resolve("layout");
        Files.writeString(source, c);
        CommandResult compile = runner.run(List.of("clang", "-o", binary.toString(), source.toString()), null);
        assertTrue(compile.ok(), compile::describe);
        CommandResult run = runner.run(List.of(binary.toString()), null);
        assertTrue(run.ok(), run::describe);
        assertEquals(expected.toString(), run.stdout());
    }
}
