package org.handoff.bpf;

import com.sun.jna.Memory;

/**
 * The kernel's id and name of a loaded program ({@code bpf_obj_get_info_by_fd}): how an
 * attachment recognises its own program, also one loaded by an earlier run of the process.
 *
 * @param id   the kernel's program id
 * @param name the program's name as the kernel keeps it: cut to 15 characters
 */
record ProgramInfo(int id, String name) {
    private static final int ENOENT = 2;

    static ProgramInfo of(int fd) {
        try (Memory info = new Memory(Libbpf.BPF_PROG_INFO_SIZE); Memory len = new Memory(4)) {
            info.clear();
            len.setInt(0, Libbpf.BPF_PROG_INFO_SIZE);
            int rc = Libbpf.bpf_obj_get_info_by_fd(fd, info, len);
            if (rc != 0) {
                throw BpfException.of("bpf_obj_get_info_by_fd", "program fd " + fd, rc);
            }
            return new ProgramInfo(info.getInt(Libbpf.BPF_PROG_INFO_ID_OFFSET), info.getString(Libbpf.BPF_PROG_INFO_NAME_OFFSET));
        }
    }

    /** The program with kernel id {@code id}, or null when there is none. */
    static ProgramInfo ofId(int id) {
        int fd = Libbpf.bpf_prog_get_fd_by_id(id);
        if (fd == -ENOENT) {
            return null; // gone meanwhile
        }
        if (fd < 0) {
            throw BpfException.of("bpf_prog_get_fd_by_id", "id " + id, -fd);
        }
        try {
            return of(fd);
        } finally {
            LibC.close(fd);
        }
    }

    /** Whether this is the program {@code programName}, comparing as the kernel cut the name. */
    boolean isNamed(String programName) {
        String cut = programName.length() >= Libbpf.BPF_OBJ_NAME_LEN ? programName.substring(0, Libbpf.BPF_OBJ_NAME_LEN - 1) : programName;
        return name.equals(cut);
    }
}
