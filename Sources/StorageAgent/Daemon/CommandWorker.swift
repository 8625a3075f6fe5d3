import HostFS
import PVCResolver
import Synchronization
import Workloads

/// What the configured commands said: `kubernetes.pv_command` through a full scan's resolution,
/// `kubernetes.crictl_command` through the container finder's names.
struct CommandAnswers: Sendable {
    /// Set for a full scan's job (the volumes as the disk and the PV list say now).
    var resolution: Resolution?
    var containers: ContainerMounts
}

/// Runs the daemon's external commands on a thread of their own, one job at a time: a command may
/// take its whole deadline (15 s), and the loop thread keeps serving inotify batches, signals and
/// the watchdog meanwhile. `fd` turns readable when the job is done; `take()` picks it up.
final class CommandWorker {
    /// What the job's thread hands over: the answers, and the descriptor that wakes the loop.
    private final class Mailbox: Sendable {
        let answers = Mutex<CommandAnswers?>(nil)
        let wake: EventFD

        init() throws(SystemError) { wake = try EventFD() }
    }

    private let mailbox: Mailbox
    private var thread: WorkerThread?

    init() throws(SystemError) { mailbox = try Mailbox() }

    /// poll(2) this: readable once the running job finished.
    var fd: Int32 { mailbox.wake.fd }

    /// A job is running (or finished and not taken yet).
    var busy: Bool { thread != nil }

    func start(_ job: @escaping @Sendable () -> CommandAnswers) {
        precondition(thread == nil, "one command job at a time")
        thread = WorkerThread { [mailbox] in
            let answers = job()
            mailbox.answers.withLock { $0 = answers }
            mailbox.wake.signal()
        }
    }

    /// The finished job's answers, or nil while it still runs.
    func take() -> CommandAnswers? {
        mailbox.wake.drain()
        let answers = mailbox.answers.withLock { value in
            defer { value = nil }
            return value
        }
        guard let answers else { return nil }
        thread?.join()
        thread = nil
        return answers
    }
}
