//! Bahasa Indonesia, the default language. Short sentences, everyday words.

use super::{
    CategoryTexts, FieldText, FieldTexts, FollowupJsTexts, FollowupTexts, JsTexts, MessageTexts,
    NoticeTexts, StageNames, TeamErrorTexts, TeamJsTexts, TeamTexts, TeamTotpTexts, Texts,
};

use super::FileTexts;

pub(super) const TEXTS: Texts = Texts {
    wbs_name: "Pelaporan Pelanggaran (WBS)",
    skip_to_content: "Langsung ke isi",
    language_switch_label: "Bahasa",
    other_language_name: "English",
    channels_heading: "Saluran pengaduan lain",
    channels_note: "Saluran ini tidak melindungi identitas Anda sebaik formulir di situs ini.",
    email_label: "E-mail",
    website_label: "Situs web resmi",
    footer_privacy: "Situs ini tidak memuat apa pun dari situs lain dan tidak menyimpan alamat IP Anda.",
    home_link: "Ke halaman utama",

    landing_title: "Laporkan pelanggaran dengan aman",
    landing_intro: "Whistleblowing System (WBS) adalah saluran untuk melaporkan dugaan pelanggaran \
        oleh pegawai atau orang lain di lingkungan",
    landing_who: "Anda bisa melapor jika Anda melihat atau mengetahui pelanggaran, \
        dan Anda bukan bagian dari pelakunya.",
    start_report: "Buat laporan",
    start_report_note: "Laporan dikirim tanpa nama, kecuali Anda memilih mencantumkannya.",
    categories_heading: "Apa yang bisa dilaporkan",
    stages_heading: "Bagaimana laporan ditangani",
    stages: [
        (
            "Pelaporan",
            "Anda mengisi formulir, lalu mendapat kode tanda terima dan kata sandi.",
        ),
        (
            "Identifikasi Pelapor",
            "Laporan dicatat tanpa nama, kecuali Anda memilih mencantumkannya. \
             Identitas Anda dilindungi dari pembalasan.",
        ),
        (
            "Pemeriksaan",
            "Tim pemeriksa membaca laporan, menilai kebenarannya, dan memeriksa bukti. \
             Tim bisa mengirim pertanyaan kepada Anda.",
        ),
        (
            "Verifikasi",
            "Jika ada tanda pelanggaran, tim mengumpulkan bukti tambahan \
             dan mencocokkannya dengan aturan yang berlaku.",
        ),
        (
            "Tindakan Korektif",
            "Jika pelanggaran terbukti, kantor bertindak: sanksi bagi pelaku, \
             perbaikan prosedur, atau langkah lain agar tidak terulang.",
        ),
        (
            "Pemberitahuan dan Tindak Lanjut",
            "Anda diberi tahu hasilnya dan tindakan yang diambil. \
             Laporan ditutup setelah masalahnya selesai.",
        ),
    ],
    stages_exits: "Laporan juga bisa dinyatakan tidak dapat ditindaklanjuti (Anda diberi tahu \
        alasannya), atau dialihkan ke lembaga yang berwenang, seperti Inspektorat, APIP, KPK, \
        atau Ombudsman.",
    protection_heading: "Bagaimana identitas Anda dilindungi",
    protection: [
        "Jika JavaScript menyala, laporan dienkripsi (diacak) di perangkat Anda sebelum dikirim.",
        "Jika JavaScript mati, server mengenkripsi laporan di memori saat diterima. \
         Laporan tidak pernah disimpan dalam bentuk yang bisa dibaca.",
        "Alamat IP dan data perangkat Anda tidak disimpan.",
        "Hanya tim pemeriksa kantor ini yang memegang kunci untuk membuka laporan. \
         Pengelola server pun tidak bisa membacanya.",
        "Anda mendapat kode tanda terima dan kata sandi. \
         Hanya dengan keduanya laporan Anda bisa dibuka kembali dari sisi Anda.",
    ],
    tips_heading: "Saran agar tetap aman",
    tips: [
        "Pakai ponsel atau komputer pribadi dan jaringan pribadi, bukan milik kantor.",
        "Untuk perlindungan lebih, pakai Tor Browser.",
        "Jika ingin tetap anonim, jangan tulis nama Anda atau hal yang hanya Anda ketahui.",
        "Setelah selesai, tutup peramban Anda.",
    ],
    regulations_heading: "Dasar hukum",
    team_heading: "Tim pemeriksa",
    team_members: "Jumlah anggota tim pemeriksa:",
    team_fingerprint: "Sidik jari kunci tim saat ini:",
    team_fingerprint_note: "Kode ini berubah setiap kali susunan tim berubah. \
        Jika kantor mengumumkannya di tempat lain, Anda bisa mencocokkannya.",
    team_none: "Belum ada anggota tim pemeriksa yang terdaftar, \
        jadi laporan belum bisa dikirim lewat situs ini.",

    form_title: "Buat laporan",
    form_intro: "Tulis dengan kata-kata Anda sendiri. Hanya kolom bertanda “wajib” \
        yang harus diisi.",
    required: "wajib",
    encrypted_in_browser_note: "Laporan dienkripsi di perangkat Anda sebelum dikirim.",
    encrypted_on_server_note: "JavaScript mati: laporan akan dienkripsi di server, di memori, \
        dan tidak pernah disimpan dalam bentuk terbaca.",
    errors_heading: "Laporan belum terkirim. Periksa isian berikut:",
    choose: "Pilih…",
    fields: FieldTexts {
        category: FieldText {
            label: "Jenis pelanggaran",
            hint: "Pilih yang paling mendekati. Jika ragu, pilih “Lainnya”.",
            name: "Jenis pelanggaran",
        },
        what: FieldText {
            label: "Apa yang terjadi?",
            hint: "Ceritakan kejadiannya dengan kata-kata Anda sendiri.",
            name: "Apa yang terjadi",
        },
        who: FieldText {
            label: "Siapa yang terlibat?",
            hint: "Nama atau jabatan, jika Anda tahu.",
            name: "Siapa",
        },
        place: FieldText {
            label: "Di mana?",
            hint: "Misalnya nama kantor, ruang, atau kalurahan.",
            name: "Di mana",
        },
        when: FieldText {
            label: "Kapan?",
            hint: "Tanggal atau perkiraan waktu, misalnya “sekitar Maret 2024”.",
            name: "Kapan",
        },
        how: FieldText {
            label: "Bagaimana kejadiannya?",
            hint: "Urutan kejadian, caranya, dan bukti yang Anda ketahui.",
            name: "Bagaimana",
        },
        why: FieldText {
            label: "Mengapa ini pelanggaran?",
            hint: "Aturan yang dilanggar atau kerugian yang timbul, jika Anda tahu.",
            name: "Mengapa",
        },
        name: FieldText {
            label: "Nama",
            hint: "",
            name: "Nama",
        },
        contact: FieldText {
            label: "Kontak",
            hint: "Nomor HP, e-mail, atau alamat.",
            name: "Kontak",
        },
    },
    identity_legend: "Identitas Anda (tidak wajib)",
    identity_intro: "Laporan dikirim tanpa nama. Nama dan kontak membantu tim menghubungi Anda, \
        tetapi itu pilihan Anda.",
    identify_label: "Saya ingin mencantumkan nama dan kontak saya",
    identity_hint: "Nama dan kontak hanya dikirim jika kotak di atas dicentang.",
    identity_unticked: "Anda mengisi nama atau kontak, tetapi belum mencentang \
        “Saya ingin mencantumkan nama dan kontak saya”. Centang kotak itu agar nama dan kontak \
        ikut dikirim, atau kosongkan kedua kolom agar laporan tetap tanpa nama.",
    before_submit: "Setelah mengirim, Anda akan mendapat kode tanda terima dan kata sandi. \
        Siapkan kertas dan pena untuk mencatatnya.",
    submit: "Kirim laporan",
    js: JsTexts {
        not_ready: "Tunggu sebentar, enkripsi sedang disiapkan…",
        encrypting: "Mengenkripsi di perangkat Anda…",
        sending: "Mengirim laporan terenkripsi…",
        failed: "Enkripsi di peramban gagal. Laporan TIDAK dikirim. Coba lagi, \
            atau matikan JavaScript untuk mengirim lewat server.",
        timeout: "Enkripsi terlalu lama. Laporan TIDAK dikirim. Coba lagi, \
            atau matikan JavaScript untuk mengirim lewat server.",
        network: "Tidak bisa terhubung ke server. Laporan TIDAK terkirim. \
            Periksa koneksi Anda, lalu coba lagi.",
    },
    files: FileTexts {
        label: "Lampiran (boleh beberapa berkas)",
        hint: |max, size| {
            format!(
                "Paling banyak {max} berkas, masing-masing paling besar {size}. Data \
                 tersembunyi di foto JPEG, PNG dan WebP (lokasi GPS, kamera, waktu) dihapus \
                 sebelum dienkripsi. PDF, dokumen Office dan video tidak bisa dibersihkan: \
                 berkas seperti itu bisa menyimpan nama Anda atau perangkat Anda."
            )
        },
        too_large: |size| {
            format!("Berkas terlalu besar. Batasnya {size} per berkas. Tidak ada yang terkirim.")
        },
        photo_too_large: |size| {
            format!(
                "Foto terlalu besar untuk dibersihkan di server. Batasnya {size} per foto. \
                 Tidak ada yang terkirim. Kirim foto yang lebih kecil, atau aktifkan JavaScript."
            )
        },
        too_many: |max| {
            format!(
                "Terlalu banyak berkas. Paling banyak {max} berkas sekali kirim. Tidak ada yang terkirim."
            )
        },
        not_ready: "Ada lampiran yang belum terkirim lengkap, jadi laporan TIDAK tersimpan. \
            Kirim sekali lagi.",
        interrupted: "Pengiriman lampiran terputus. Coba kirim lagi.",
        bad_file: "Lampiran ini tidak terenkripsi dengan benar dan ditolak. Coba kirim lagi.",
        unreadable_image: "Ada foto yang rusak atau tidak biasa, jadi data tersembunyinya tidak \
            bisa dihapus. Foto itu TIDAK dikirim. Ambil tangkapan layar foto itu, lalu \
            lampirkan tangkapan layarnya.",
        heif_photo: "Foto HEIC atau HEIF (misalnya dari iPhone) tidak bisa dibersihkan dari data \
            lokasi dan perangkat. Foto itu TIDAK dikirim. Kirim sebagai JPEG: di iPhone, buka \
            Pengaturan › Kamera › Format, pilih Paling Kompatibel, lalu ambil foto lagi. Atau \
            kirim tangkapan layar foto itu.",
        tiff_photo: "Gambar TIFF atau RAW (dari kamera atau pemindai) tidak bisa dibersihkan dari \
            data lokasi dan perangkat. Berkas itu TIDAK dikirim. Simpan sebagai JPEG atau PNG, \
            lalu kirim berkas itu. Atau kirim tangkapan layar gambar itu.",
        no_room: "Tempat untuk lampiran sedang penuh. Tidak ada yang terkirim. \
            Coba kirim lagi beberapa jam lagi.",
        photos_busy: "Server sedang membersihkan banyak foto. Tidak ada yang terkirim. \
            Coba kirim lagi sebentar lagi.",
        choose_again: "Teks Anda masih ada. Pilih lagi berkas yang ingin dilampirkan.",
        receipt_heading: "Lampiran",
        removed: "Data tersembunyi yang dihapus:",
        nothing_found: "Tidak ada data tersembunyi yang ditemukan.",
        not_cleaned: "Berkas ini tidak bisa dibersihkan. PDF, dokumen Office dan video sering \
            menyimpan nama penulis, nama perangkat atau lokasi, dan bisa mengungkap siapa Anda.",
        removed_labels: [
            "lokasi GPS",
            "merek dan jenis kamera",
            "waktu pengambilan",
            "data XMP (program penyunting, pembuat)",
            "komentar",
            "keterangan IPTC (penulis, tempat)",
            "teks tersembunyi (penulis, program)",
            "gambar atau data tambahan",
            "data lain",
        ],
        sending: "Mengenkripsi dan mengirim lampiran {n} dari {total}: {name}",
        will_be_cleaned: "Data tersembunyi di foto ini akan dihapus sebelum dikirim.",
        download: "Lampiran {n} ({size})",
        opening: "Membuka lampiran…",
        unreadable: "Lampiran ini tidak bisa dibuka dengan kunci Anda.",
    },

    receipt_title: "Laporan Anda sudah diterima",
    receipt_code_label: "Kode tanda terima",
    passphrase_label: "Kata sandi",
    receipt_warning_title: "Penting: catat kedua kode ini sekarang",
    receipt_warning: [
        "Anda memerlukan keduanya untuk melihat perkembangan laporan.",
        "Tidak ada yang bisa memulihkan atau mengganti kode ini, \
         termasuk tim pemeriksa dan pengelola situs.",
        "Tulis di kertas atau cetak halaman ini. Simpan di tempat aman yang hanya Anda ketahui, \
         bukan di perangkat atau tempat yang dipakai bersama orang lain.",
        "Jangan tutup atau muat ulang halaman ini sebelum selesai mencatat.",
    ],
    print_hint: "Untuk mencetak, pilih “Cetak” di menu peramban Anda.",
    encrypted_in_browser: "Laporan dienkripsi di perangkat Anda sebelum dikirim.",
    sealed_to: "Sidik jari kunci tim yang dipakai:",
    sealed_to_note: "Cocokkan dengan sidik jari di halaman depan, atau yang diumumkan kantor di tempat lain. \
        Jika berbeda, jangan kirim apa pun lagi lewat situs ini dan hubungi kantor lewat jalur lain.",
    encrypted_in_server: "JavaScript mati: laporan dienkripsi di server, di memori, \
        lalu disimpan hanya dalam bentuk terenkripsi.",
    followup_heading: "Halaman tindak lanjut",
    followup_before: "Nanti, buka ",
    followup_link: "halaman tindak lanjut",
    followup_after: " di situs ini. Dengan kedua kode tadi, Anda bisa melihat tahap laporan \
        dan membaca pesan dari tim pemeriksa.",

    team: TeamTexts {
        title: "Ruang kerja tim",
        needs_js: "Ruang kerja tim memerlukan JavaScript: kunci Anda dibuka di browser ini \
            dan tidak pernah dikirim ke server.",
        login_intro: "Pilih berkas kunci Anda (dibuat dengan kentongan-keytool) dan ketik kata \
            sandinya. Kunci dibuka di browser ini saja. Server hanya menerima bukti bahwa Anda \
            memegang kunci itu.",
        key_file_label: "Berkas kunci",
        key_file_hint: "Biasanya bernama seperti nama-anda.age.",
        key_passphrase_label: "Kata sandi kunci",
        login_submit: "Masuk",
        logout: "Keluar",
        signed_in_as: "Masuk sebagai",
        cases_heading: "Kasus",
        no_cases: "Belum ada kasus.",
        col_case: "No.",
        col_stage: "Tahap",
        col_received: "Diterima",
        col_due: "Tenggat",
        due_today: "jatuh tempo hari ini",
        overdue: |days| format!("terlambat {days} hari kerja"),
        back_to_list: "← Semua kasus",
        case_heading: "Kasus",
        received_on: "diterima tanggal",
        current_stage: "Tahap sekarang",
        history_heading: "Riwayat tahap",
        moved_by: "oleh",
        report_heading: "Isi laporan",
        conversation_heading: "Percakapan dengan pelapor",
        conversation_empty: "Belum ada pesan.",
        from_reporter: "Pelapor",
        from_team: "Tim pemeriksa",
        from_unknown: "Pengirim tidak pasti",
        stage_message: "Pesan untuk pelapor",
        notes_heading: "Catatan internal",
        notes_hint: "Hanya tim pemeriksa yang bisa membaca catatan. Pelapor tidak pernah melihatnya.",
        notes_empty: "Belum ada catatan.",
        reply_label: "Balas ke pelapor",
        reply_submit: "Kirim balasan",
        note_label: "Catatan baru",
        note_submit: "Simpan catatan",
        move_label: "Pindahkan ke tahap",
        move_message_label: "Pesan untuk pelapor",
        move_message_hint: "Wajib untuk Tidak Dapat Ditindaklanjuti dan Dialihkan.",
        move_submit: "Pindahkan",
        closed: "Kasus ini sudah ditutup.",
        no_key: "Anda belum memegang kunci kasus ini. Minta rekan yang memegangnya untuk memberi akses.",
        export_link: "Unduh berkas kasus (untuk kentongan-keytool)",
        handling_heading: "Penanganan",
        assign_label: "Ditugaskan kepada",
        nobody: "— belum ada —",
        classify_label: "Kategori kantor",
        unclassified: "— belum dikategorikan —",
        save: "Simpan",
        grant_label: "Beri akses kepada",
        grant_hint: "Kunci kasus dienkripsi untuk rekan ini di browser Anda. \
            Sebelum memberi akses, cocokkan sidik jari di bawah dengan yang ditunjukkan \
            `kentongan-keytool recipient` di komputer rekan Anda.",
        grant_fingerprint: "Sidik jari kunci rekan ini, dihitung di browser Anda:",
        grant_submit: "Beri akses",
        filter_heading: "Saring",
        all_stages: "Semua",
        filter_due: "Tenggat",
        due_any: "Semua",
        due_overdue: "Terlambat",
        due_soon: "Jatuh tempo ≤ 2 hari kerja",
        filter_assignee: "Ditugaskan kepada",
        anyone: "Siapa saja",
        filter_category: "Kategori",
        any_category: "Semua",
        filter_submit: "Terapkan",
        col_assignee: "Ditugaskan",
        col_category: "Kategori",
        col_activity: "Aktivitas terakhir",
        page_of: |shown, total| format!("{shown} dari {total} kasus"),
        next_page: "Halaman berikutnya →",
        admin_link: "Tim pemeriksa dan log audit",
        admin_heading: "Tim pemeriksa",
        team_key: "Sidik jari kunci tim (sama dengan di halaman publik)",
        col_name: "Nama",
        col_role: "Peran",
        col_status: "Status",
        col_key: "Sidik jari kunci",
        col_added: "Terdaftar",
        role_admin: "Admin",
        role_investigator: "Pemeriksa",
        active: "Aktif",
        disabled: "Nonaktif",
        disable: "Nonaktifkan",
        add_heading: "Tambah anggota tim",
        recipient_label: "Kunci publik (age1…)",
        recipient_hint: "Tempel kunci publik yang dibuat rekan dengan kentongan-keytool generate. \
            Laporan baru langsung dienkripsi juga untuknya.",
        admin_label: "Admin (boleh mengelola tim)",
        add_submit: "Tambahkan",
        audit_heading: "Log audit",
        audit_intact: |count, head| format!("Rantai utuh: {count} entri, kepala {head}"),
        audit_broken: "LOG AUDIT RUSAK:",
        col_when: "Waktu (UTC)",
        col_who: "Oleh",
        col_what: "Tindakan",
        col_audit_case: "Kasus",
        col_detail: "Rincian",
        reporter_identity: "Identitas pelapor",
        due_soon_badge: "segera",
        js: TeamJsTexts {
            not_ready: "Enkripsi belum siap. Tunggu sebentar.",
            unlocking: "Membuka kunci…",
            checking: "Memeriksa kunci dengan server…",
            loading: "Memuat…",
            failed: "Gagal. Muat ulang halaman dan coba lagi.",
            network: "Server tidak terjangkau. Periksa sambungan, lalu coba lagi.",
            no_file: "Pilih berkas kunci Anda dulu.",
            wrong_passphrase: "Kata sandi kunci salah.",
            not_key_file: "Berkas ini bukan berkas kunci.",
            not_passphrase: "Berkas ini dienkripsi ke kunci lain, bukan ke kata sandi.",
            damaged: "Berkas kunci rusak.",
            too_much_work: "Berkas kunci ini meminta terlalu banyak memori untuk dibuka di browser.",
            session_ended: "Sesi berakhir. Masuk lagi.",
            unreadable: "Tidak bisa dibuka.",
            unverified: "Pesan ini tidak bertanda tangan tim yang sah. Mungkin dibuat orang lain \
                di server, atau ditulis sebelum pesan tim ditandatangani. Jangan anggap ini pesan tim.",
            sending: "Mengenkripsi dan mengirim…",
            saved: "Tersimpan.",
            empty: "Tulis sesuatu dulu.",
            case_changed: "Laporan kasus ini tidak terbuka dengan kunci kasus di amplop Anda: \
                seseorang mengubah kasus ini di server. Tidak ada yang ditampilkan atau dikirim. \
                Jangan membalas atau memberi akses; beri tahu admin.",
        },
        errors: TeamErrorTexts {
            unknown_key: "Kunci ini tidak terdaftar, atau pemiliknya sudah dinonaktifkan.",
            wrong_answer: "Kunci tidak cocok, atau waktunya habis. Coba masuk lagi.",
            session_ended: "Sesi berakhir. Masuk lagi dengan berkas kunci Anda.",
            csrf_failed: "Halaman sudah kedaluwarsa. Muat ulang halaman, lalu coba lagi.",
            bad_request: "Permintaan ini tidak bisa diproses.",
            busy: "Server sedang sibuk. Coba lagi dalam satu menit.",
            store_down: "Basis data tidak terjangkau. Tidak ada yang diubah. Coba lagi nanti.",
            internal: "Terjadi kesalahan di server. Tidak ada yang diubah.",
            no_case: "Kasus ini tidak ada.",
            case_changed: "Kasus ini baru saja diubah rekan Anda. Muat ulang kasusnya, lalu coba lagi.",
            bad_move: "Kasus tidak bisa dipindahkan ke tahap itu dari tahap sekarang.",
            needs_message: "Tahap ini memerlukan pesan untuk pelapor.",
            bad_ciphertext: "Isi terenkripsi tidak sah, jadi tidak disimpan.",
            colleague: "Rekan itu tidak aktif, atau sudah memegang kunci kasus ini.",
            not_admin: "Hanya admin yang boleh melakukan ini.",
            bad_key: "Kunci publik tidak sah: harus diawali age1 dan disalin utuh.",
            duplicate_key: "Kunci ini sudah terdaftar.",
            bad_name: "Nama wajib diisi, paling banyak 200 karakter.",
            no_key: "Anda belum memegang kunci kasus ini, jadi tidak bisa mengubahnya.",
            needs_second_factor: "Tim Anda mewajibkan faktor kedua. Aktifkan dulu, baru bisa bekerja.",
            wrong_code: "Kode salah atau sudah dipakai. Ketik kode yang sedang tampil di aplikasi.",
            code_expired: "Waktu untuk kode sudah habis. Masuk lagi dengan berkas kunci.",
            too_many_codes: "Terlalu banyak kode salah. Tunggu 15 menit, lalu coba lagi.",
            second_factor_mandatory: "Tim Anda mewajibkan faktor kedua, jadi tidak bisa dimatikan.",
            second_factor_on: "Faktor kedua sudah aktif.",
            last_admin: "Harus selalu ada minimal satu admin aktif. Jadikan rekan lain admin dulu.",
            own_account: "Anda tidak bisa melakukan ini pada akun Anda sendiri.",
            enrol_first: "Aktifkan dulu faktor kedua Anda sendiri, baru wajibkan untuk seluruh tim.",
        },
        totp: TeamTotpTexts {
            security_link: "Faktor kedua (kode dari ponsel)",
            heading: "Faktor kedua",
            intro: "Selain berkas kunci, Anda bisa diminta kode 6 angka dari aplikasi autentikator \
                di ponsel (misalnya Aegis, FreeOTP atau Google Authenticator) setiap kali masuk. \
                Orang yang mencuri berkas kunci dan kata sandinya tetap tidak bisa masuk tanpa ponsel Anda.",
            is_on: "Faktor kedua aktif: Anda diminta kode setiap kali masuk.",
            is_off: "Faktor kedua belum aktif.",
            required_note: "Tim Anda mewajibkan faktor kedua. Aktifkan dulu, baru bisa bekerja.",
            required_cannot_off: "Tim Anda mewajibkan faktor kedua, jadi tidak bisa dimatikan.",
            turn_on: "Aktifkan faktor kedua",
            turn_off: "Matikan faktor kedua",
            off_label: "Kode yang sedang tampil di aplikasi",
            scan: "1. Pindai kode QR ini dengan aplikasi autentikator di ponsel.",
            qr_label: "Kode QR untuk aplikasi autentikator",
            or_type: "Tidak bisa memindai? Ketik kunci ini di aplikasi:",
            keep_secret: "Jangan bagikan atau memotret kode QR dan kunci ini: siapa pun yang memilikinya \
                bisa membuat kode Anda.",
            confirm_label: "2. Ketik kode 6 angka yang tampil di aplikasi",
            confirm_submit: "Simpan",
            code_label: "Kode dari aplikasi autentikator",
            code_hint: "6 angka. Kode berganti setiap 30 detik.",
            code_submit: "Masuk",
            turned_on: "Faktor kedua aktif. Mulai sekarang Anda diminta kode setiap kali masuk.",
            turned_off: "Faktor kedua sudah dimatikan.",
            col_second_factor: "Faktor kedua",
            on: "Aktif",
            off: "Belum",
            reset: "Hapus (ponsel hilang)",
            make_admin: "Jadikan admin",
            remove_admin: "Cabut admin",
            required_heading: "Faktor kedua untuk seluruh tim",
            required_label: "Wajibkan faktor kedua untuk semua anggota tim",
            required_hint: "Anggota yang belum punya hanya bisa mengaktifkannya, tidak bisa bekerja, \
                sampai mereka mengaktifkannya.",
            required_submit: "Simpan",
        },
    },

    followup: FollowupTexts {
        draft_label: "Pesan Anda yang belum terkirim",
        draft_hint: "Pesan ini dikirim setelah Anda masuk.",
        landing_link: "Sudah melapor? Lihat perkembangan laporan Anda",
        title: "Tindak lanjut laporan",
        login_intro: "Masukkan kode tanda terima dan kata sandi yang Anda dapat saat melapor. \
            Anda akan melihat tahap laporan, pesan dari tim pemeriksa, dan bisa membalasnya.",
        receipt_hint: "16 angka. Spasi dan tanda hubung boleh.",
        passphrase_hint: "Tujuh kata. Huruf besar atau kecil sama saja.",
        login_submit: "Buka laporan",
        login_js_note: "JavaScript menyala: kunci dibuat di perangkat Anda. \
            Kata sandi tidak dikirim ke server.",
        login_server_note: "Tanpa JavaScript, server membuka laporan di memorinya selama \
            Anda masuk (paling lama satu jam), lalu menghapusnya.",
        no_receipt: "Belum punya kode? Kode didapat setelah mengirim laporan.",
        case_title: "Laporan Anda",
        case_number: "Nomor laporan",
        received_on: "diterima tanggal",
        current_stage: "Tahap sekarang",
        history_heading: "Riwayat tahap",
        report_heading: "Isi laporan",
        identity_heading: "Identitas Anda",
        anonymous: "Tanpa nama",
        conversation_heading: "Percakapan",
        conversation_empty: "Belum ada pesan.",
        from_reporter: "Anda",
        from_team: "Tim pemeriksa",
        from_unknown: "Pengirim tidak pasti",
        stage_message: "Pesan dari tim pemeriksa",
        message_label: "Pesan untuk tim pemeriksa",
        message_hint: "Jawab pertanyaan tim, atau tambahkan keterangan. \
            Pesan dienkripsi sebelum disimpan.",
        message_submit: "Kirim pesan",
        logout: "Keluar",
        logout_hint: "Keluar jika sudah selesai, terutama di perangkat yang dipakai bersama.",
        opening: "Membuka…",
        unreadable: "Bagian ini tidak bisa dibuka.",
        unverified: "Pesan di bawah ini tidak ditandatangani tim pemeriksa, jadi mungkin bukan \
            dari mereka. Jangan ikuti isinya. Jangan kirim data diri Anda karena pesan ini.",
        progress_heading: "Tahap laporan",
        step_of: |n, total, name| format!("Langkah {n} dari {total}: {name}"),
        step_done: "sudah",
        step_now: "sekarang",
        step_later: "belum",
        check_back: |day| format!("Periksa kembali paling lambat {day}."),
        check_back_acknowledge: "Paling lambat tanggal itu tim pemeriksa memastikan laporan Anda \
            diterima dan mulai memeriksanya. Tanggal ini mengikuti tenggat yang ditetapkan kantor.",
        check_back_feedback: "Paling lambat tanggal itu tim pemeriksa memberi tahu Anda apa yang \
            sudah dilakukan. Tanggal ini mengikuti tenggat yang ditetapkan kantor.",
        check_back_passed: |day| {
            format!(
                "Tenggat kantor untuk memberi kabar ({day}) sudah lewat. Periksa kembali halaman \
                 ini secara berkala, atau kirim pesan kepada tim pemeriksa di bawah."
            )
        },
        closed_done: "Penanganan laporan ini sudah selesai dan kasusnya ditutup.",
        not_actionable_title: "Laporan tidak dapat ditindaklanjuti",
        not_actionable_text: "Tim pemeriksa menilai laporan ini tidak bisa ditindaklanjuti, dan \
            kasusnya ditutup. Alasannya ada di pesan tim. Jika Anda punya bukti atau keterangan \
            baru, Anda bisa membuat laporan baru.",
        forwarded_title: "Laporan dialihkan",
        forwarded_text: "Laporan ini diteruskan ke lembaga lain yang berwenang (misalnya \
            Inspektorat, APIP, KPK atau Ombudsman), dan kasusnya di kantor ini ditutup. Pesan tim \
            menyebut ke mana laporan dikirim dan apa yang bisa Anda lakukan.",
        exit_message: "Pesan dari tim pemeriksa:",
        js: FollowupJsTexts {
            not_ready: "Tunggu sebentar, enkripsi sedang disiapkan…",
            deriving: "Membuat kunci di perangkat Anda…",
            opening: "Membuka laporan…",
            encrypting: "Mengenkripsi pesan…",
            failed: "Gagal di peramban. Tidak ada yang dikirim. Coba lagi, \
                atau matikan JavaScript.",
            network: "Tidak bisa terhubung ke server. Periksa koneksi Anda, lalu coba lagi.",
        },
        notices: NoticeTexts {
            wrong_login: "Kode tanda terima atau kata sandi salah.",
            wait: |minutes| {
                format!("Terlalu banyak percobaan yang salah. Coba lagi dalam {minutes} menit.")
            },
            receipt_format: "Kode tanda terima harus 16 angka.",
            busy: "Server sedang sibuk. Coba lagi dalam satu menit.",
            store_down: "Ada gangguan di server. Coba lagi nanti.",
            session_ended: "Sesi Anda sudah berakhir. Silakan masuk lagi.",
            logged_out: "Anda sudah keluar.",
            message_sent: "Pesan terkirim.",
            message_empty: "Pesan masih kosong.",
            message_too_long: |max| format!("Pesan terlalu panjang: paling banyak {max} karakter."),
            message_not_saved: "Ada gangguan di server. Pesan Anda TIDAK tersimpan. \
                Coba lagi nanti.",
            too_many_messages: "Sudah terlalu banyak pesan hari ini. Coba lagi besok; pesan Anda masih ada di kotak.",
            case_changed: "Laporan ini diubah di server oleh orang yang tidak berhak. Jangan kirim pesan lagi lewat situs ini. Hubungi kantor lewat jalur lain dan sampaikan bahwa kunci laporan Anda berubah.",
            csrf_failed: "Formulir sudah kedaluwarsa. Coba sekali lagi.",
        },
    },
    stage_names: StageNames {
        diterima: "Diterima",
        pemeriksaan: "Pemeriksaan",
        verifikasi: "Verifikasi",
        tindakan_korektif: "Tindakan Korektif",
        selesai: "Selesai",
        tidak_dapat_ditindaklanjuti: "Tidak Dapat Ditindaklanjuti",
        dialihkan: "Dialihkan",
    },

    error_title: "Ada masalah",
    back_hint: "Untuk kembali ke halaman sebelumnya, tekan tombol Kembali di peramban.",

    messages: MessageTexts {
        no_investigators: "Kantor ini belum bisa menerima laporan lewat situs ini. \
            Silakan pakai saluran pengaduan lain yang tertera di halaman ini.",
        invalid_form: "Ada isian yang perlu diperbaiki. Laporan belum terkirim.",
        too_large: "Laporan terlalu panjang dan belum terkirim. Persingkat teks, lalu kirim lagi.",
        csrf_failed: "Formulir sudah kedaluwarsa, jadi laporan belum terkirim. \
            Periksa isinya, lalu kirim sekali lagi.",
        busy: "Server sedang sibuk, laporan belum terkirim. Coba lagi dalam satu menit.",
        store_down: "Ada gangguan di server. Laporan Anda TIDAK tersimpan. Coba lagi nanti; \
            isi formulir tidak hilang selama halamannya tetap terbuka.",
        team_changed: "Susunan tim pemeriksa baru saja berubah, jadi laporan belum terkirim. \
            Coba kirim sekali lagi.",
        outdated: "Halaman ini sudah usang, jadi laporan belum terkirim. Salin isi laporan \
            Anda, muat ulang halaman, lalu kirim lagi.",
        bad_ciphertext: "Laporan terenkripsi rusak saat dikirim dan TIDAK tersimpan. \
            Coba kirim sekali lagi.",
        not_found: "Halaman yang Anda cari tidak ada.",
        bad_request: "Permintaan ini tidak bisa diproses. Kembali, lalu coba lagi.",
        internal: "Terjadi kesalahan di server. Laporan Anda TIDAK tersimpan. Coba lagi nanti; \
            isi formulir tidak hilang selama halamannya tetap terbuka.",
    },
    categories: CategoryTexts {
        penyalahgunaan_wewenang: "Penyalahgunaan wewenang",
        hambatan_pelayanan_publik: "Hambatan pelayanan publik",
        kkn: "KKN (korupsi, kolusi, nepotisme)",
        gratifikasi_suap: "Gratifikasi atau suap",
        benturan_kepentingan: "Benturan kepentingan",
        pelanggaran_disiplin: "Pelanggaran disiplin pegawai",
        lainnya: "Lainnya",
    },
    language_name: "Bahasa",
    language_unknown: "Bahasa formulir tidak dikenali. Buka formulir baru, lalu kirim lagi.",
    missing: |field| format!("Kolom “{field}” wajib diisi."),
    too_long: |field, max| {
        format!("Kolom “{field}” terlalu panjang: paling banyak {max} karakter.")
    },
    thousands: '.',
    months: [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ],
    months_short: [
        "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
    ],
    weekdays: [
        "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
    ],
};
