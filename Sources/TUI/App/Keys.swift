/// A decoded key press or mouse event.
public enum Key: Equatable, Sendable {
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, tab, backTab, redraw
    case mouse(x: Int, y: Int, button: Int)
}

/// What the application loop must do after the state changed (the reducer stays pure).
public enum Effect: Equatable, Sendable {
    case quit
    case loadScene(Int)
    case play, pause, seek(Double)
    case export
    case startTraining, stopTraining
    /// Open these checkpoints as the main and compare models (a changed main model is rescored).
    case loadModels(main: String, compare: String?)
    case redraw
}

/// The keys and what they do, for the help overlay (and the README). Descriptions are kept
/// short enough that the whole list fits an 80×24 terminal in two columns (the snapshot test
/// checks every word is on screen there).
public enum KeyHelp {
    public static let sections: [(String, [(String, String)])] = [
        ("Audio", [("1 2 3 4", "pos / sil / noise / off"),
                   ("space", "play/pause (map follows)"),
                   ("← → , .", "seek (← → while playing)"), ("r", "loop on/off")]),
        ("Threshold", [("+ -", "small step (0.005)"), ("] [", "large step (0.05)"),
                       ("u", "snap to universal thr U")]),
        ("Overlay", [("m", "colours jet / perceptual"), ("b", "highlight / dim / heat"),
                     ("o", "ground-truth outline"), ("C", "compare checkpoints"),
                     ("w", "swap main and compare"),
                     ("x", "crosshair (← ↑ → ↓, click; Esc hides)")]),
        ("Samples", [("j k ↑ ↓", "move (PgUp PgDn g G)"), ("s S", "sort column / reverse"),
                     ("c", "cycle class filter"), ("f", "filter by text"), ("/ n", "jump to id / next"),
                     ("t", "tag as failure case"), ("e", "export tagged (exports/)"), ("Esc", "clear filters")]),
        ("Columns", [("pos", "max with its own sound"), ("sil noi off", "max per negative sound"),
                     ("leak", "largest of sil/noi/off")]),
        ("Panels", [("Tab h l", "cycle panels"), ("click", "select sample / panel"),
                    ("d", "demo mode"), ("L", "load trained checkpoint"), ("? q", "this help / quit")]),
        ("Training panel", [("↑↓ ←→", "pick field / change it"), ("Enter x", "start or resume / stop")]),
    ]
}
