/* The floor of any program that runs one command, reads its output and waits for it. */
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  setenv("GOTOOLCHAIN", "local", 1);
  int p[2];
  if (pipe(p)) return 1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_addclose(&fa, p[0]);
  posix_spawn_file_actions_addclose(&fa, p[1]);
  pid_t pid;
  if (posix_spawnp(&pid, argv[1], &fa, NULL, argv + 1, environ)) return 1;
  close(p[1]);
  char buf[65536];
  while (read(p[0], buf, sizeof buf) > 0) {}
  int st;
  if (waitpid(pid, &st, 0) < 0) return 1;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
