import Core
import Render
