package org.handoff.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What up records, down removes: exactly that, from another process too, users' files kept. */
class ManifestTest {

    @Test
    void downRemovesWhatUpMadeAndKeepsWhatAUserAdded(@TempDir Path tmp) throws Exception {
        Path lab = tmp.resolve("lab");
        Manifest up = new Manifest(lab.resolve(".lab-created"));
        up.start();
        Path www = lab.resolve("origin1/www");
        up.makeDirectories(www, www.resolve("static"));
        up.writeFile(www.resolve("index.html"), "<h1>origin1</h1>\n");
        up.record(lab.resolve("origin1/nginx.pid"), lab.resolve("origin1/never-made.log"));
        Files.writeString(lab.resolve("origin1/nginx.pid"), "42\n");
        assertEquals(List.of(lab.resolve("origin1").toString(), www.toString(), www.resolve("static").toString(),
                www.resolve("index.html").toString(), lab.resolve("origin1/nginx.pid").toString(),
                lab.resolve("origin1/never-made.log").toString()), Files.readAllLines(up.file()), "top-down, as made");

        Path mine = www.resolve("files/mine.bin");
        Files.createDirectories(mine.getParent());
        Files.writeString(mine, "the user's");

        // down runs in another process: it knows only the file.
        Manifest down = new Manifest(lab.resolve(".lab-created"));
        assertTrue(down.exists());
        assertEquals(List.of(), down.removeAll(lab));
        assertEquals("the user's", Files.readString(mine));
        assertFalse(Files.exists(www.resolve("index.html")));
        assertFalse(Files.exists(www.resolve("static")));
        assertFalse(Files.exists(lab.resolve("origin1/nginx.pid")));
        assertFalse(down.exists(), "the manifest goes");
        assertTrue(Files.isDirectory(lab), "the directory holding the user's file stays");
    }

    @Test
    void withNothingOfTheUsersTheDirectoryGoesToo(@TempDir Path tmp) {
        Path lab = tmp.resolve("lab");
        Manifest m = new Manifest(lab.resolve(".lab-created"));
        m.start();
        m.makeDirectories(lab.resolve("a/b/c"));
        m.writeFile(lab.resolve("a/b/c/f"), "x");
        assertEquals(List.of(), new Manifest(lab.resolve(".lab-created")).removeAll(lab));
        assertFalse(Files.exists(lab));
    }

    @Test
    void existingDirectoriesAreNotRecorded(@TempDir Path tmp) throws Exception {
        Path lab = tmp.resolve("lab");
        Files.createDirectories(lab.resolve("origin1"));
        Manifest m = new Manifest(lab.resolve(".lab-created"));
        m.start();
        m.makeDirectories(lab.resolve("origin1/www"));
        assertEquals(List.of(lab.resolve("origin1/www").toString()), Files.readAllLines(m.file()));
    }
}
